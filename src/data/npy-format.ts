/**
 * The NumPy .npy format (NEP 1, "A simple file format for NumPy arrays"): magic `\x93NUMPY`, version
 * 1.0 / 2.0 / 3.0, a Python-literal header dict {'descr', 'fortran_order', 'shape'}, then the raw data.
 * Numeric dtypes only — float16/32/64, int8…int64, uint8…uint64, bool — in either byte order and either
 * memory order. Object arrays ('|O') hold pickles, which are never executed: they are refused.
 */
import { DataError } from './errors';
import type { ByteSource } from './bytes';

export interface NpyDtype {
  kind: 'f' | 'i' | 'u' | 'b';
  size: number;
  little: boolean;
  descr: string;
}

export interface NpyHeader {
  dtype: NpyDtype;
  fortran: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const NAMES: Record<string, string> = { f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', b1: 'bool' };

export function dtypeName(d: NpyDtype): string {
  return NAMES[d.kind + d.size] ?? d.descr;
}

type Where = { array?: string };

export async function readNpyHeader(file: string, src: ByteSource, where: Where): Promise<NpyHeader> {
  if (src.size === 0) throw new DataError(file, 'empty', 'is empty', where);
  const head = Buffer.from(await src.read(0, Math.min(src.size, 12)));
  if (!MAGIC.every((b, i) => head[i] === b)) {
    throw new DataError(file, 'bad-magic', `is not a NumPy .npy file (it does not start with \\x93NUMPY${describeStart(head)})`, where);
  }
  if (src.size < 10) throw new DataError(file, 'truncated', `is truncated: ${src.size} bytes, shorter than the .npy preamble`, where);
  const major = head[6];
  if (major < 1 || major > 3) throw new DataError(file, 'npy-version', `has .npy format version ${major}.${head[7]}; versions 1.0–3.0 are supported`, where);
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + hlen > src.size) throw new DataError(file, 'truncated', `is truncated inside its header (${src.size} bytes; the header needs ${start + hlen})`, where);
  const text = Buffer.from(await src.read(start, hlen)).toString(major === 3 ? 'utf8' : 'latin1');
  const bad = (what: string) => new DataError(file, 'npy-header', `has a malformed .npy header (${what}): ${text.trim().slice(0, 120)}`, where);
  if (/'descr'\s*:\s*\[/.test(text)) throw new DataError(file, 'npy-dtype', 'holds a structured (record) dtype; save a plain numeric 2-D array instead', where);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) throw bad("no 'descr'");
  if (fo === undefined) throw bad("no 'fortran_order'");
  if (shapeText === undefined) throw bad("no 'shape'");
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s !== '')
    .map((s) => {
      if (!/^\d+$/.test(s)) throw bad(`shape entry '${s}'`);
      return Number(s);
    });
  return { dtype: parseDescr(file, descr, where), fortran: fo === 'True', shape, dataOffset: start + hlen };
}

function describeStart(b: Buffer): string {
  if (b[0] === 0x50 && b[1] === 0x4b) return '; it is a zip archive: name it .npz';
  if (b[0] === 0x89 && b[1] === 0x48) return '; it is an HDF5 file: name it .h5';
  const printable = [...b.subarray(0, 8)].every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  return printable ? '; it looks like text' : '';
}

function parseDescr(file: string, descr: string, where: Where): NpyDtype {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const kind = m?.[2];
  const size = Number(m?.[3] || 0);
  if (kind === 'O') {
    throw new DataError(file, 'npy-object', `holds Python objects (dtype '${descr}'), which are pickles and are never loaded; save a numeric array, e.g. np.save(path, np.asarray(x, dtype=np.float32))`, where);
  }
  if (kind === 'U' || kind === 'S' || kind === 'a') throw new DataError(file, 'npy-dtype', `holds strings (dtype '${descr}'), not numbers`, where);
  if (kind === 'c') throw new DataError(file, 'npy-dtype', `holds complex numbers (dtype '${descr}'); save the real and imaginary parts as columns`, where);
  if (kind === 'M' || kind === 'm') throw new DataError(file, 'npy-dtype', `holds dates or times (dtype '${descr}'), not plain numbers`, where);
  const ok = (kind === 'f' && (size === 2 || size === 4 || size === 8)) || ((kind === 'i' || kind === 'u') && [1, 2, 4, 8].includes(size)) || (kind === 'b' && size === 1);
  if (!m || !ok) throw new DataError(file, 'npy-dtype', `has the unsupported dtype '${descr}'; supported: float16/32/64, (u)int8–64, bool`, where);
  const order = m[1];
  return { kind: kind as NpyDtype['kind'], size, little: order !== '>', descr };
}

let halfTable: Float32Array | undefined;

/** IEEE 754 binary16 → float, tabulated once (65 536 entries). */
function halves(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return (halfTable = t);
}

/**
 * The values in `b` (whole elements) as numbers. Swaps bytes in place for big-endian data (the buffer is
 * the reader's own copy) and copies when the bytes are not aligned for a typed-array view.
 */
export function toNumbers(b: Buffer, d: NpyDtype): ArrayLike<number> {
  const n = Math.floor(b.length / d.size);
  let v = b.subarray(0, n * d.size);
  if (d.size > 1 && v.byteOffset % d.size !== 0) v = Buffer.from(v);
  if (!d.little && d.size > 1) {
    if (d.size === 2) v.swap16();
    else if (d.size === 4) v.swap32();
    else v.swap64();
  }
  const ab = v.buffer;
  const o = v.byteOffset;
  switch (d.kind + d.size) {
    case 'f4':
      return new Float32Array(ab, o, n);
    case 'f8':
      return new Float64Array(ab, o, n);
    case 'f2': {
      const u = new Uint16Array(ab, o, n);
      const t = halves();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = t[u[i]];
      return out;
    }
    case 'i1':
      return new Int8Array(ab, o, n);
    case 'u1':
      return new Uint8Array(ab, o, n);
    case 'b1': {
      const u = new Uint8Array(ab, o, n);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = u[i] ? 1 : 0;
      return out;
    }
    case 'i2':
      return new Int16Array(ab, o, n);
    case 'u2':
      return new Uint16Array(ab, o, n);
    case 'i4':
      return new Int32Array(ab, o, n);
    case 'u4':
      return new Uint32Array(ab, o, n);
    case 'i8':
    case 'u8': {
      // Two 32-bit halves instead of BigInt: exact up to 2^53, and float32 keeps 24 bits anyway.
      const lo = new Uint32Array(ab, o, 2 * n);
      const hi = d.kind === 'i' ? new Int32Array(ab, o, 2 * n) : lo;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i];
      return out;
    }
  }
  throw new Error(`unreachable dtype ${d.descr}`);
}

/** A 1-D or 2-D numeric .npy array behind a ByteSource. */
export class NpyArray {
  readonly rows: number;
  readonly cols: number;
  readonly rowBytes: number;

  constructor(
    readonly file: string,
    readonly src: ByteSource,
    readonly h: NpyHeader,
    readonly where: Where,
  ) {
    const s = h.shape;
    if (s.length === 0) throw new DataError(file, 'npy-shape', 'holds a single number (a 0-D array), not a table', where);
    if (s.length > 2) throw new DataError(file, 'npy-shape', `is ${s.length}-D (${s.join(' × ')}); Flowmorph reads tables (1-D or 2-D arrays): reshape it to rows × columns first`, where);
    this.rows = s[0];
    this.cols = s.length === 2 ? s[1] : 1;
    this.rowBytes = this.cols * h.dtype.size;
    const need = this.rows * this.rowBytes;
    const have = src.size - h.dataOffset;
    if (have < need) {
      const full = Math.floor(Math.max(0, have) / Math.max(1, this.rowBytes));
      const shape = s.join(' × ');
      throw new DataError(file, 'truncated', `is truncated: the header promises ${shape} ${dtypeName(h.dtype)} values (${need} bytes of data) but ${Math.max(0, have)} bytes follow${h.fortran ? '' : ` (${full} complete rows)`}`, where);
    }
    if (this.rows === 0 || this.cols === 0) throw new DataError(file, 'empty', `holds an empty array (shape ${s.join(' × ') || '()'})`, where);
  }

  get extraBytes(): number {
    return this.src.size - this.h.dataOffset - this.rows * this.rowBytes;
  }

  /** Rows [r0, r0 + n) of a C-order (or 1-column) array, all columns, as numbers (row-major). */
  async readRows(r0: number, n: number): Promise<ArrayLike<number>> {
    return toNumbers(await this.src.read(this.h.dataOffset + r0 * this.rowBytes, n * this.rowBytes), this.h.dtype);
  }

  /** Rows [r0, r0 + n) of columns `cols` into out[r * stride + offset + k]. */
  async readColumns(r0: number, n: number, cols: number[], out: Float64Array, stride: number, offset: number): Promise<void> {
    const { dtype, dataOffset } = this.h;
    const sz = dtype.size;
    if (!this.h.fortran || this.cols === 1) {
      const C = this.cols;
      const vals = toNumbers(await this.src.read(dataOffset + r0 * this.rowBytes, n * this.rowBytes), dtype);
      for (let k = 0; k < cols.length; k++) {
        const c = cols[k];
        for (let r = 0; r < n; r++) out[r * stride + offset + k] = vals[r * C + c];
      }
    } else {
      // Column-major: each column is contiguous, so read its slice of rows.
      for (let k = 0; k < cols.length; k++) {
        const vals = toNumbers(await this.src.read(dataOffset + (cols[k] * this.rows + r0) * sz, n * sz), dtype);
        for (let r = 0; r < n; r++) out[r * stride + offset + k] = vals[r];
      }
    }
  }
}
