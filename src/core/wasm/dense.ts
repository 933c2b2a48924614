/**
 * The dense kernels of ./dense.c, instantiated once per thread, with a small allocator over the module's
 * memory and, where there is a second core, a helper thread that computes half of every large product.
 * Independent of tfjs: the fused MLP op (src/core/ops/residual-mlp.ts) copies its operands in, runs a
 * sequence of these calls and copies the results out.
 *
 * Two threads: wasm in Node runs on one core, and tfjs's threaded wasm build is off in Node. Here the
 * kernels are also built over an imported shared memory (scripts/build-wasm.mjs); the helper is a
 * worker_threads Worker that instantiates the same module on the same memory and waits on a control word.
 * `gemmNN` / `gemmTN` give it the second half of the output rows, compute the first half, and wait for it
 * (a short spin, then Atomics.wait). Small products run on the calling thread alone: a hand-off costs
 * ~2–20 µs. Results are identical to one thread's (each output element is computed by the same code in
 * the same order, whichever thread runs it). FLOWMORPH_GEMM_THREADS=1 turns the helper off.
 *
 * Memory: blocks are rounded to 64 bytes and recycled by exact size (training allocates the same sizes
 * every step, so after the first step nothing grows). `memory.grow` detaches old views: always take the
 * view from `f32()` after allocating.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { DENSE_SHARED_WASM_BASE64, DENSE_WASM_BASE64 } from './dense-wasm';

interface Exports {
  memory?: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  /** C[M,N] = [C +] A[M,K]·B[K,N]. Pointers are byte offsets. */
  gemm_nn(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, acc: number): void;
  /** C[K,N] = [C +] op(A)[M,K]ᵀ·B[M,N], op = relu when reluA. */
  gemm_tn(M: number, N: number, K: number, A: number, lda: number, reluA: number, B: number, ldb: number, C: number, ldc: number, acc: number): void;
  transpose(M: number, N: number, src: number, dst: number): void;
  /** C[m,:] += b, then relu when asked. */
  add_bias(M: number, N: number, C: number, b: number, relu: number): void;
  relu_copy(n: number, src: number, dst: number): void;
  col_sum(M: number, N: number, B: number, out: number, acc: number): void;
  relu_gate(n: number, d: number, gate: number): void;
  add_gated(n: number, acc: number, t: number, gate: number): void;
  add_into(n: number, a: number, b: number): void;
  /** g ∘= mask (mask 0: none); returns Σ g². */
  mask_sumsq(n: number, g: number, mask: number): number;
  adam_update(n: number, p: number, g: number, m: number, v: number, gscale: number, b1: number, b2: number, eps: number, stepSize: number, sqrtC2: number): void;
  /** The RQ spline of src/core/spline/kernel.ts (pointer 0 for an absent upstream gradient). */
  spline_forward(n: number, d: number, k: number, bound: number, minW: number, minH: number, minD: number, inverse: number, x: number, params: number, out: number, logDet: number): void;
  spline_backward(n: number, d: number, k: number, bound: number, minW: number, minH: number, minD: number, inverse: number, x: number, params: number, gOut: number, gLogDet: number, gIn: number, gParams: number): void;
}

const ALIGN = 64;
const PAGE = 65536;
/** Products below this many multiply-adds stay on the calling thread (~15 µs of work at ~35 GFLOP/s). */
const SPLIT_MACS = 1 << 18;

/** Control block (Int32 slots) shared with the helper. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const ARGS = 3;
const OP_NN = 1;
const OP_TN = 2;
const OP_STOP = 3;
/** Set by the helper once its instance exists; until then (or if it never starts) nothing is handed to it. */
const READY = 15;

/** How long the helper keeps polling after a product before it sleeps (see HELPER). */
const SPIN_MS = 3;

/**
 * The helper thread, as source (no separate file to bundle or ship): instantiate, then serve products
 * until told to stop. Between two products of a training step lie a few ms of single-thread work (spline,
 * tfjs ops); waking a sleeping thread costs ~50–100 µs here, which ate most of the gain (measured: 0.94–1.34×
 * per step with a 20 µs poll, 1.03–1.50× with a 3 ms poll). So it polls for SPIN_MS before sleeping: while
 * a model trains, the helper's core stays busy; a few ms after the last product it sleeps.
 */
const HELPER = `
const { workerData } = require('worker_threads');
const { module, memory, ctrl } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(ctrl);
Atomics.store(c, ${READY}, 1);
let seen = 0;
for (;;) {
  const until = performance.now() + ${SPIN_MS};
  for (let i = 1; Atomics.load(c, ${SEQ}) === seen; i++) if ((i & 1023) === 0 && performance.now() > until) break;
  while (Atomics.load(c, ${SEQ}) === seen) Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  const op = c[${OP}], a = ${ARGS};
  if (op === ${OP_STOP}) break;
  let done = seen;
  try {
    if (op === ${OP_NN}) k.gemm_nn(c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7], c[a + 8], c[a + 9]);
    else k.gemm_tn(c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7], c[a + 8], c[a + 9], c[a + 10]);
  } catch (e) {
    done = -seen;
  }
  Atomics.store(c, ${DONE}, done);
  Atomics.notify(c, ${DONE});
}
`;

let plainModule: WebAssembly.Module | undefined;
let sharedModule: WebAssembly.Module | undefined;

export class DenseKernels {
  readonly k: Exports;
  private readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private view: Float32Array;
  private helper: Worker | undefined;
  private ctrl: Int32Array | undefined;
  private seq = 0;
  private paused = false;
  /** Bytes handed out and not yet freed (tests assert it returns to 0). */
  inUse = 0;

  /**
   * threads = 1: own memory, calling thread only (the optimizer uses one such instance, whose views must
   * never detach). threads = 2: shared memory and a helper thread.
   */
  constructor(readonly threads = 1) {
    if (threads > 1) {
      sharedModule ??= new WebAssembly.Module(Buffer.from(DENSE_SHARED_WASM_BASE64, 'base64'));
      this.memory = new WebAssembly.Memory({ initial: 32, maximum: 16384, shared: true });
      this.k = new WebAssembly.Instance(sharedModule, { env: { memory: this.memory } }).exports as unknown as Exports;
      const ctrl = new SharedArrayBuffer(4 * 16);
      this.ctrl = new Int32Array(ctrl);
      this.helper = new Worker(HELPER, { eval: true, workerData: { module: sharedModule, memory: this.memory, ctrl } });
      this.helper.unref();
      this.helper.on('error', () => (this.helper = undefined)); // then everything runs on this thread
    } else {
      plainModule ??= new WebAssembly.Module(Buffer.from(DENSE_WASM_BASE64, 'base64'));
      this.k = new WebAssembly.Instance(plainModule, {}).exports as unknown as Exports;
      this.memory = this.k.memory as WebAssembly.Memory;
    }
    this.top = align(this.k.__heap_base.value as number);
    this.view = new Float32Array(this.memory.buffer);
  }

  /** C[M,N] = [C +] A[M,K]·B[K,N], rows split with the helper when large. */
  gemmNN(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, acc: number): void {
    const half = (M >> 3) << 2; // a multiple of 4: both threads run whole 4-row tiles
    if (!this.helping() || M * N * K < SPLIT_MACS || half === 0) return this.k.gemm_nn(M, N, K, A, lda, B, ldb, C, ldc, acc);
    this.post(OP_NN, [M - half, N, K, A + 4 * half * lda, lda, B, ldb, C + 4 * half * ldc, ldc, acc]);
    this.k.gemm_nn(half, N, K, A, lda, B, ldb, C, ldc, acc);
    this.join();
  }

  /** C[K,N] = [C +] op(A)[M,K]ᵀ·B[M,N], rows of C (columns of A) split with the helper when large. */
  gemmTN(M: number, N: number, K: number, A: number, lda: number, reluA: number, B: number, ldb: number, C: number, ldc: number, acc: number): void {
    const half = (K >> 3) << 2;
    if (!this.helping() || M * N * K < SPLIT_MACS || half === 0) return this.k.gemm_tn(M, N, K, A, lda, reluA, B, ldb, C, ldc, acc);
    this.post(OP_TN, [M, N, K - half, A + 4 * half, lda, reluA, B, ldb, C + 4 * half * ldc, ldc, acc]);
    this.k.gemm_tn(M, N, half, A, lda, reluA, B, ldb, C, ldc, acc);
    this.join();
  }

  /** True once the helper thread is up and taking halves of products. */
  get helperReady(): boolean {
    return this.helping();
  }

  private helping(): boolean {
    return this.helper !== undefined && !this.paused && Atomics.load(this.ctrl as Int32Array, READY) === 1;
  }

  /**
   * Stop handing work to the helper (it sleeps), or start again: the data-parallel trainer pauses it while
   * its own threads hold the cores.
   */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  private post(op: number, args: number[]): void {
    const c = this.ctrl as Int32Array;
    c[OP] = op;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
  }

  private join(): void {
    const c = this.ctrl as Int32Array;
    for (let i = 0; i < 200000 && Atomics.load(c, DONE) !== this.seq; i++);
    for (let v = Atomics.load(c, DONE); v !== this.seq; v = Atomics.load(c, DONE)) {
      if (v === -this.seq) throw new Error('dense kernels: the helper thread failed on its half of a product');
      Atomics.wait(c, DONE, v, 50);
    }
  }

  /** Stop the helper (the instance keeps working on the calling thread). */
  close(): void {
    if (!this.helper) return;
    const c = this.ctrl as Int32Array;
    c[OP] = OP_STOP;
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
    this.helper = undefined;
  }

  /** A block for `floats` float32 values; returns its byte offset. */
  alloc(floats: number): number {
    const bytes = align(Math.max(1, floats) * 4);
    this.inUse += bytes;
    const list = this.free.get(bytes);
    if (list && list.length) return list.pop() as number;
    const p = this.top;
    this.top += bytes;
    // One spare block at the top: vector loads at the end of a row may read (never write) past it.
    const need = this.top + ALIGN - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    return p;
  }

  release(ptr: number, floats: number): void {
    const bytes = align(Math.max(1, floats) * 4);
    this.inUse -= bytes;
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    list.push(ptr);
  }

  /** The module's memory as float32 (re-created after growth). */
  f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** A float32 view of `floats` values at `ptr`, valid until the memory next grows. */
  viewOf(ptr: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, floats);
  }

  put(ptr: number, values: ArrayLike<number> & { length: number }, offset = 0): void {
    this.f32().set(values as Float32Array, ptr / 4 + offset);
  }

  /** A copy of `floats` values at `ptr`. */
  take(ptr: number, floats: number): Float32Array {
    return this.f32().slice(ptr / 4, ptr / 4 + floats);
  }

  zero(ptr: number, floats: number): void {
    this.f32().fill(0, ptr / 4, ptr / 4 + floats);
  }

  /** Bytes of module memory (for the memory benchmark). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Threads for this thread's kernels: FLOWMORPH_GEMM_THREADS (1 or 2), else 2 when the machine has two
 * cores and shared memory is available. The data-parallel gradient workers (src/core/train/parallel.ts)
 * set it to 1: there every core already runs its own part of the batch.
 */
export function gemmThreads(): number {
  const env = Number.parseInt(process.env.FLOWMORPH_GEMM_THREADS ?? '', 10);
  if (env === 1 || env === 2) return env;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores >= 2 && typeof SharedArrayBuffer === 'function' ? 2 : 1;
}

let shared: DenseKernels | undefined;

/** The kernels of this thread (module-level: each worker thread loads its own copy). */
export function denseKernels(): DenseKernels {
  return (shared ??= new DenseKernels(gemmThreads()));
}
