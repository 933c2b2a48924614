/**
 * The dense kernels of ./dense.c, instantiated once per thread, with a small allocator over the module's
 * memory and, where there is a second core, a helper thread that shares every large product and spline.
 * Independent of tfjs: the fused ops (src/core/ops/fused-mlp.ts, src/core/ops/spline.ts) copy their
 * operands in, run a sequence of these calls and copy the results out.
 *
 * Two threads: wasm in Node runs on one core, and tfjs's threaded wasm build is off in Node. Here the
 * kernels are also built over an imported shared memory (scripts/build-wasm.mjs); the helper is a
 * worker_threads Worker that instantiates the same module on the same memory and polls a control block.
 * An operation is cut into ~8 chunks of output rows; both threads take chunks from a shared counter until
 * none is left (so the slower thread never holds the other up for more than a chunk), then the caller
 * waits for the helper's last chunk. Small operations run on the calling thread alone: a hand-off costs
 * ~2–20 µs. Results are identical to one thread's (each output element is computed by the same code in
 * the same order, whichever thread runs it). The setting kernelThreads: 1 (FLOWMORPH_GEMM_THREADS=1) turns
 * the helper off.
 *
 * Memory: blocks are rounded to 64 bytes and recycled by exact size (training allocates the same sizes
 * every step, so after the first step nothing grows). `memory.grow` detaches old views: always take the
 * view from `f32()` after allocating.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { engineSettings } from '../settings';
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
  spline_scratch_bytes(): number;
  /** The RQ spline of src/core/spline/kernel.ts (pointer 0 for an absent upstream gradient). */
  spline_forward(scratch: number, n: number, d: number, k: number, bound: number, minW: number, minH: number, minD: number, inverse: number, x: number, params: number, out: number, logDet: number): void;
  spline_backward(scratch: number, n: number, d: number, k: number, bound: number, minW: number, minH: number, minD: number, inverse: number, x: number, params: number, gOut: number, gLogDet: number, gIn: number, gParams: number): void;
}

const ALIGN = 64;
const PAGE = 65536;
/** Products below this many multiply-adds stay on the calling thread (~15 µs of work at ~35 GFLOP/s). */
const SPLIT_MACS = 1 << 18;
/** Splines over fewer elements stay on the calling thread (~150 ns each). */
const SPLIT_SPLINE = 256;
/** Work is cut into about this many chunks, which both threads take in turn until none is left. */
const CHUNKS = 8;

/** Control block (Int32 slots) shared with the helper; the same numbers are written out in runChunk. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const NEXT = 3;
const NCHUNKS = 4;
const READY = 5;
const ARGS = 8;
const OP_NN = 1;
const OP_TN = 2;
const OP_SPLINE_F = 3;
const OP_SPLINE_B = 4;
const OP_STOP = 9;

/**
 * Chunk `ch` of the posted operation. Self-contained (no outer names: layout numbers are literals) because
 * the helper thread runs its source text. ints: the control block; dbl: the spline's real arguments.
 */
function runChunk(k: Exports, ch: number, ints: Int32Array, dbl: Float64Array, scratch: number): void {
  const op = ints[2];
  const a = 8;
  const R = ints[a + 15];
  const i0 = ch * R;
  if (op === 1) {
    // NN over rows: M, N, K, A, lda, B, ldb, C, ldc, acc
    const rows = Math.min(R, ints[a] - i0);
    k.gemm_nn(rows, ints[a + 1], ints[a + 2], ints[a + 3] + 4 * i0 * ints[a + 4], ints[a + 4], ints[a + 5], ints[a + 6], ints[a + 7] + 4 * i0 * ints[a + 8], ints[a + 8], ints[a + 9]);
  } else if (op === 2) {
    // TN over rows of C (columns of A): M, N, K, A, lda, relu, B, ldb, C, ldc, acc
    const ks = Math.min(R, ints[a + 2] - i0);
    k.gemm_tn(ints[a], ints[a + 1], ks, ints[a + 3] + 4 * i0, ints[a + 4], ints[a + 5], ints[a + 6], ints[a + 7], ints[a + 8] + 4 * i0 * ints[a + 9], ints[a + 9], ints[a + 10]);
  } else {
    // Spline over rows: n, d, bins, inverse, x, params, out|gOut, logDet|gLogDet, [gIn, gParams]
    const n = Math.min(R, ints[a] - i0);
    const d = ints[a + 1];
    const bins = ints[a + 2];
    const P = 3 * bins - 1;
    // Pointers advanced to the chunk's first row (0 stays 0: an absent upstream gradient). No inner
    // functions here: a bundler may wrap them in helpers the helper thread does not have.
    const x = ints[a + 4] + 4 * i0 * d;
    const pr = ints[a + 5] + 4 * i0 * d * P;
    const o = ints[a + 6] ? ints[a + 6] + 4 * i0 * d : 0;
    const l = ints[a + 7] ? ints[a + 7] + 4 * i0 : 0;
    if (op === 3) k.spline_forward(scratch, n, d, bins, dbl[0], dbl[1], dbl[2], dbl[3], ints[a + 3], x, pr, o, l);
    else k.spline_backward(scratch, n, d, bins, dbl[0], dbl[1], dbl[2], dbl[3], ints[a + 3], x, pr, o, l, ints[a + 8] + 4 * i0 * d, ints[a + 9] + 4 * i0 * d * P);
  }
}

/** How long the helper keeps polling after an operation before it sleeps (see HELPER). */
const SPIN_MS = 3;

/**
 * The helper thread, as source (no separate file to bundle or ship): instantiate, then take chunks of each
 * posted operation until none is left. Between two operations of a training step lie stretches of
 * single-thread work (tfjs ops, copies); waking a sleeping thread costs ~50–100 µs here, which ate most
 * of the gain (measured: 0.94–1.34× per step with a 20 µs poll, 1.03–1.50× with a 3 ms poll). So it polls
 * for SPIN_MS before sleeping: while a model trains, the helper's core stays busy; a few ms after the last
 * operation it sleeps.
 */
const HELPER = `
const { workerData } = require('worker_threads');
const { module, memory, ctrl, dbl, scratch } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(ctrl);
const f = new Float64Array(dbl);
const runChunk = ${runChunk.toString()};
Atomics.store(c, ${READY}, 1);
let seen = 0;
for (;;) {
  const until = performance.now() + ${SPIN_MS};
  for (let i = 1; Atomics.load(c, ${SEQ}) === seen; i++) if ((i & 1023) === 0 && performance.now() > until) break;
  while (Atomics.load(c, ${SEQ}) === seen) Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (c[${OP}] === ${OP_STOP}) break;
  let done = seen;
  try {
    for (let ch = Atomics.add(c, ${NEXT}, 1); ch < c[${NCHUNKS}]; ch = Atomics.add(c, ${NEXT}, 1)) runChunk(k, ch, c, f, scratch);
  } catch (e) {
    done = -seen;
  }
  Atomics.store(c, ${DONE}, done);
  Atomics.notify(c, ${DONE});
}
`;

let plainModule: WebAssembly.Module | undefined;
let sharedModule: WebAssembly.Module | undefined;

/** The spline's real-valued settings. */
export interface SplineArgs {
  bins: number;
  bound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

export class DenseKernels {
  readonly k: Exports;
  private readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private view: Float32Array;
  private helper: Worker | undefined;
  private ctrl: Int32Array | undefined;
  private dbl: Float64Array | undefined;
  /** Spline scratch of this thread. */
  private readonly scratch: number;
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
    } else {
      plainModule ??= new WebAssembly.Module(Buffer.from(DENSE_WASM_BASE64, 'base64'));
      this.k = new WebAssembly.Instance(plainModule, {}).exports as unknown as Exports;
      this.memory = this.k.memory as WebAssembly.Memory;
    }
    this.top = align(this.k.__heap_base.value as number);
    this.view = new Float32Array(this.memory.buffer);
    const scratchBytes = this.k.spline_scratch_bytes();
    this.scratch = this.alloc(scratchBytes / 4);
    if (threads > 1) {
      const ctrl = new SharedArrayBuffer(4 * 32);
      const dbl = new SharedArrayBuffer(8 * 8);
      this.ctrl = new Int32Array(ctrl);
      this.dbl = new Float64Array(dbl);
      const scratch = this.alloc(scratchBytes / 4);
      this.helper = new Worker(HELPER, { eval: true, workerData: { module: sharedModule, memory: this.memory, ctrl, dbl, scratch } });
      this.helper.unref();
      this.helper.on('error', () => (this.helper = undefined)); // then everything runs on this thread
    }
    this.inUse = 0; // the scratch blocks live as long as the instance
  }

  /** C[M,N] = [C +] A[M,K]·B[K,N], rows shared with the helper when large. */
  gemmNN(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, acc: number): void {
    if (!this.helping() || M * N * K < SPLIT_MACS || M < 8) return this.k.gemm_nn(M, N, K, A, lda, B, ldb, C, ldc, acc);
    this.share(OP_NN, [M, N, K, A, lda, B, ldb, C, ldc, acc], [], M, 4);
  }

  /** C[K,N] = [C +] op(A)[M,K]ᵀ·B[M,N], rows of C (columns of A) shared with the helper when large. */
  gemmTN(M: number, N: number, K: number, A: number, lda: number, reluA: number, B: number, ldb: number, C: number, ldc: number, acc: number): void {
    if (!this.helping() || M * N * K < SPLIT_MACS || K < 8) return this.k.gemm_tn(M, N, K, A, lda, reluA, B, ldb, C, ldc, acc);
    this.share(OP_TN, [M, N, K, A, lda, reluA, B, ldb, C, ldc, acc], [], K, 4);
  }

  /** The RQ spline (src/core/spline/kernel.ts) over n rows × d dims; rows shared with the helper when many. */
  splineForward(n: number, d: number, s: SplineArgs, inverse: boolean, x: number, params: number, out: number, logDet: number): void {
    const reals = [s.bound, s.minBinWidth, s.minBinHeight, s.minDerivative];
    if (!this.helping() || n * d < SPLIT_SPLINE) return this.k.spline_forward(this.scratch, n, d, s.bins, reals[0], reals[1], reals[2], reals[3], inverse ? 1 : 0, x, params, out, logDet);
    this.share(OP_SPLINE_F, [n, d, s.bins, inverse ? 1 : 0, x, params, out, logDet], reals, n, 1);
  }

  /** Backward of splineForward; gOut / gLogDet may be 0 (zero upstream gradient). */
  splineBackward(n: number, d: number, s: SplineArgs, inverse: boolean, x: number, params: number, gOut: number, gLogDet: number, gIn: number, gParams: number): void {
    const reals = [s.bound, s.minBinWidth, s.minBinHeight, s.minDerivative];
    if (!this.helping() || n * d < SPLIT_SPLINE) return this.k.spline_backward(this.scratch, n, d, s.bins, reals[0], reals[1], reals[2], reals[3], inverse ? 1 : 0, x, params, gOut, gLogDet, gIn, gParams);
    this.share(OP_SPLINE_B, [n, d, s.bins, inverse ? 1 : 0, x, params, gOut, gLogDet, gIn, gParams], reals, n, 1);
  }

  /** True once the helper thread is up and taking chunks. */
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

  /**
   * Post an operation over `extent` rows cut into ~CHUNKS chunks (multiples of `quantum` rows), take
   * chunks until none is left, then wait for the helper to finish the one it holds.
   */
  private share(op: number, ints: number[], reals: number[], extent: number, quantum: number): void {
    const c = this.ctrl as Int32Array;
    const f = this.dbl as Float64Array;
    const per = Math.max(quantum, Math.ceil(extent / CHUNKS / quantum) * quantum);
    c[OP] = op;
    for (let i = 0; i < ints.length; i++) c[ARGS + i] = ints[i];
    c[ARGS + 15] = per;
    for (let i = 0; i < reals.length; i++) f[i] = reals[i];
    c[NCHUNKS] = Math.ceil(extent / per);
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
    for (let ch = Atomics.add(c, NEXT, 1); ch < c[NCHUNKS]; ch = Atomics.add(c, NEXT, 1)) runChunk(this.k, ch, c, f, this.scratch);
    for (let i = 0; i < 200000 && Atomics.load(c, DONE) !== this.seq; i++);
    for (let v = Atomics.load(c, DONE); v !== this.seq; v = Atomics.load(c, DONE)) {
      if (v === -this.seq) throw new Error('dense kernels: the helper thread failed on its part of an operation');
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

  /**
   * Copy `inputs` in (null: pointer 0), give `call` their pointers followed by those of fresh outputs of
   * `outputSizes` floats (0 floats: pointer 0), copy the outputs out and free everything.
   */
  withBuffers(inputs: (Float32Array | null)[], outputSizes: number[], call: (ptrs: number[]) => void): Float32Array[] {
    const sizes = [...inputs.map((a) => (a ? a.length : 0)), ...outputSizes];
    const ptrs = sizes.map((n) => (n ? this.alloc(n) : 0));
    try {
      inputs.forEach((a, i) => a && this.put(ptrs[i], a));
      call(ptrs);
      return outputSizes.map((n, i) => this.take(ptrs[inputs.length + i], n));
    } finally {
      ptrs.forEach((p, i) => p && this.release(p, sizes[i]));
    }
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
 * Threads for this thread's kernels: the engine setting `kernelThreads` (1 or 2, src/core/settings.ts),
 * else 2 when the machine has two cores and shared memory is available. The data-parallel gradient
 * workers (src/core/parallel-worker.ts) set it to 1: there every core already runs its own part of the batch.
 */
export function gemmThreads(): number {
  const n = engineSettings().kernelThreads;
  if (n === 1 || n === 2) return n;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores >= 2 && typeof SharedArrayBuffer === 'function' ? 2 : 1;
}

let shared: DenseKernels | undefined;

/** The kernels of this thread (module-level: each worker thread loads its own copy). */
export function denseKernels(): DenseKernels {
  return (shared ??= new DenseKernels(gemmThreads()));
}
