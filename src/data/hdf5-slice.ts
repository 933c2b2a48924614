/**
 * Reading hyperslabs of numeric datasets as plain numbers, without a fresh copy per block.
 */
import type { H5, H5Dataset } from './hdf5-lib';

/** A typed array from h5wasm as plain numbers (64-bit integers via their 32-bit halves, not BigInt). */
export function asNumbers(v: unknown): ArrayLike<number> {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const n = v.length;
    const lo = new Uint32Array(v.buffer, v.byteOffset, 2 * n);
    const hi = v instanceof BigInt64Array ? new Int32Array(v.buffer, v.byteOffset, 2 * n) : lo;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i];
    return out;
  }
  if (ArrayBuffer.isView(v)) return v as unknown as ArrayLike<number>;
  if (Array.isArray(v)) return v.map(Number);
  throw new Error(`unexpected value from h5wasm: ${typeof v}`);
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

function accessor(m: { type: number; size: number; signed: boolean }): Ctor | undefined {
  if (m.type === 1) return m.size === 4 ? Float32Array : m.size === 8 ? Float64Array : undefined;
  if (m.type === 4 && m.size === 1) return Uint8Array;
  if (m.type !== 0) return undefined;
  const s = m.signed;
  return ({ 1: s ? Int8Array : Uint8Array, 2: s ? Int16Array : Uint16Array, 4: s ? Int32Array : Uint32Array, 8: s ? BigInt64Array : BigUint64Array } as Record<number, Ctor>)[m.size];
}

interface H5Module {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  get_dataset_data(file: bigint, path: string, count: bigint[], offset: bigint[], stride: bigint[], ptr: bigint): number;
}

/**
 * Hyperslab reads into one reused buffer in the wasm heap, viewed in place: Dataset.slice() copies every
 * block out into a fresh array, and those copies awaiting collection added ~25 MB to the peak of a
 * million-row read. Uses h5wasm's own binding (get_dataset_data, which converts to native byte order);
 * falls back to slice() for types it does not cover.
 */
export class Slicer {
  private ptr = 0;
  private cap = 0;
  private readonly M: H5Module | undefined;

  constructor(h5: H5) {
    const M = (h5 as unknown as { Module?: H5Module }).Module;
    this.M = M && typeof M.get_dataset_data === 'function' && typeof M._malloc === 'function' ? M : undefined;
  }

  /** Rows [r0, r1) and, for 2-D datasets, columns [c0, c1). Valid until the next call. */
  read(d: H5Dataset, r0: number, r1: number, c0?: number, c1?: number): ArrayLike<number> {
    const md = d.metadata;
    const C = accessor(md);
    const M = this.M;
    const ranges: [number, number][] = c0 === undefined ? [[r0, r1]] : [[r0, r1], [c0, c1!]];
    if (!M || !C || !md.shape || md.shape.length !== ranges.length) return asNumbers(d.slice(ranges));
    const n = ranges.reduce((p, [a, b]) => p * (b - a), 1);
    const bytes = n * md.size;
    if (bytes > this.cap) {
      this.free();
      this.ptr = M._malloc(Math.max(bytes, 8));
      if (this.ptr === 0) throw new Error(`cannot allocate ${bytes} bytes in the wasm heap`);
      this.cap = bytes;
    }
    M.get_dataset_data(
      (d as unknown as { file_id: bigint }).file_id,
      d.path,
      ranges.map(([a, b]) => BigInt(b - a)),
      ranges.map(([a]) => BigInt(a)),
      ranges.map(() => 1n),
      BigInt(this.ptr),
    );
    const view = new C(M.HEAPU8.buffer as ArrayBuffer, this.ptr, n);
    return view instanceof BigInt64Array || view instanceof BigUint64Array ? asNumbers(view) : (view as ArrayLike<number>);
  }

  free(): void {
    if (this.ptr && this.M) this.M._free(this.ptr);
    this.ptr = 0;
    this.cap = 0;
  }
}

