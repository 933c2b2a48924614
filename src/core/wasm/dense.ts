/**
 * The dense kernels of ./dense.c, instantiated once per thread, with a small allocator over the module's
 * memory. Independent of tfjs: the fused MLP op (src/core/ops/residual-mlp.ts) copies its operands in,
 * runs a sequence of these calls and copies the results out.
 *
 * Memory: blocks are rounded to 64 bytes and recycled by exact size (training allocates the same sizes
 * every step, so after the first step nothing grows). `memory.grow` detaches old views: always take the
 * view from `f32()` after allocating.
 */
import { DENSE_WASM_BASE64 } from './dense-wasm';

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  /** C[M,N] = [C +] A[M,K]·B[K,N]. Pointers are byte offsets. */
  gemm_nn(M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, acc: number): void;
  /** C[K,N] = [C +] op(A)[M,K]ᵀ·B[M,N]. */
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
}

const ALIGN = 64;
const PAGE = 65536;

export class DenseKernels {
  readonly k: Exports;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private view: Float32Array;
  /** Bytes handed out and not yet freed (tests assert it returns to 0). */
  inUse = 0;

  /** Each instance has its own memory (the optimizer keeps one whose views must never detach). */
  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(DENSE_WASM_BASE64, 'base64'));
    this.k = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
    this.top = align(this.k.__heap_base.value as number);
    this.view = new Float32Array(this.k.memory.buffer);
  }

  /** A block for `floats` float32 values; returns its byte offset. */
  alloc(floats: number): number {
    const bytes = align(Math.max(1, floats) * 4);
    this.inUse += bytes;
    const list = this.free.get(bytes);
    if (list && list.length) return list.pop() as number;
    const p = this.top;
    this.top += bytes;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / PAGE));
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
    if (this.view.buffer !== this.k.memory.buffer) this.view = new Float32Array(this.k.memory.buffer);
    return this.view;
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
    return this.k.memory.buffer.byteLength;
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

let compiled: WebAssembly.Module | undefined;
let shared: DenseKernels | undefined;

/** The kernels of this thread (module-level: each worker thread loads its own copy). */
export function denseKernels(): DenseKernels {
  return (shared ??= new DenseKernels());
}
