/**
 * Writing matrices as CSV / TSV, .npy or JSON: the writers without the HDF5 and Parquet libraries, so the
 * extension host (Generate Toy) can write CSV without loading them. Every write is atomic (atomic.ts) and
 * refuses to replace a file being read as an input (paths.ts). ./write.ts adds HDF5 and Parquet and picks a
 * writer by extension.
 *
 * CSV values are the shortest decimals that read back as the same float32 (at most 9 significant
 * digits); NaN and ±Inf are written as nan / inf / -inf, which the reader understands.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { atomicWriteSync, writeAll } from './atomic';
import type { Matrix } from './matrix';

export interface WriteOptions {
  /** Paths that must not be replaced (besides every input read so far). */
  protect?: string[];
}

export interface CsvWriteOptions extends WriteOptions {
  /** Default ',' (tab for .tsv). */
  delimiter?: string;
  /** Write the column names as the first line (default true). */
  header?: boolean;
}

export function check(m: Matrix): void {
  if (m.data.length !== m.rows * m.cols) throw new Error(`matrix: ${m.data.length} values for ${m.rows}×${m.cols}`);
  if (m.columns.length !== m.cols) throw new Error(`matrix: ${m.columns.length} names for ${m.cols} columns`);
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Writes the shortest decimal text that parses back to exactly this float32 (at most 9 significant
 * digits) into b at o, returning the new offset. For p = 6, 7, 8, 9 digits it rounds v to m · 10^-k and
 * accepts the first m whose double m / 10^k (one correctly rounded division, k ≤ 22: the very double a
 * reader's parseFloat gives) rounds back to v in float32, then drops trailing zeros. Starting at 6 loses
 * nothing: a float32 is within 6e-8 (relative) of any decimal that reads back as it, closer than half the
 * spacing of 6-digit decimals, so a shorter decimal that works is the 6-digit rounding minus its zeros.
 * Bytes, not strings: a million-row export would otherwise spend most of its time collecting garbage.
 * `b` needs 24 free bytes.
 */
export function putFloat32(b: Uint8Array, o: number, v: number): number {
  const a = Math.abs(v);
  if (v === v && a !== Infinity && !(Number.isInteger(a) && a < 1e15)) {
    const e10 = Math.floor(Math.log10(a));
    for (let p = 6; p <= 9; p++) {
      let k = p - 1 - e10;
      if (k < 1) continue;
      if (k > 22) break;
      let m = Math.round(a * POW10[k]);
      if (Math.fround(m / POW10[k]) !== a) continue;
      while (m % 10 === 0 && k > 0) {
        m /= 10;
        k--;
      }
      if (v < 0) b[o++] = 45;
      let nd = 1;
      while (nd < 10 && m >= POW10[nd]) nd++;
      const intDigits = nd - k;
      if (intDigits <= 0) {
        b[o++] = 48;
        b[o++] = 46;
        for (let z = 0; z < -intDigits; z++) b[o++] = 48;
      }
      // Digits from the last; the point goes after the first intDigits of them.
      const len = nd + (intDigits > 0 ? 1 : 0);
      let q = o + len - 1;
      for (let i = 0; i < nd; i++) {
        if (intDigits > 0 && i === k) b[q--] = 46;
        b[q--] = 48 + (m % 10);
        m = Math.floor(m / 10);
      }
      return o + len;
    }
  }
  const t = formatSlow(v);
  for (let i = 0; i < t.length; i++) b[o++] = t.charCodeAt(i);
  return o;
}

function formatSlow(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  for (let p = 1; p < 9; p++) {
    const x = Number(v.toPrecision(p));
    if (Math.fround(x) === v) return String(x);
  }
  return String(Number(v.toPrecision(9)));
}

const scratch = Buffer.alloc(32);

/** putFloat32 as a string. */
export function formatFloat32(v: number): string {
  return scratch.toString('latin1', 0, putFloat32(scratch, 0, v));
}

function quote(name: string, d: string): string {
  return /["\r\n]/.test(name) || name.includes(d) || name !== name.trim() || name.startsWith('#') ? `"${name.replace(/"/g, '""')}"` : name;
}

export function writeCsv(p: string, m: Matrix, opts: CsvWriteOptions = {}): void {
  check(m);
  const d = opts.delimiter ?? (path.extname(p).toLowerCase() === '.tsv' ? '\t' : ',');
  atomicWriteSync(p, (fd) => {
    if (opts.header !== false) writeAll(fd, m.columns.map((c) => quote(c, d)).join(d) + '\n');
    const delim = Buffer.from(d, 'utf8');
    const buf = Buffer.allocUnsafe(1 << 20);
    let o = 0;
    const { data, cols } = m;
    for (let r = 0; r < m.rows; r++) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) {
        if (j) for (let i = 0; i < delim.length; i++) buf[o++] = delim[i];
        o = putFloat32(buf, o, data[base + j]);
        if (o > buf.length - 64) {
          writeAll(fd, buf.subarray(0, o));
          o = 0;
        }
      }
      buf[o++] = 10;
    }
    writeAll(fd, buf.subarray(0, o));
  }, opts.protect);
}

/** NumPy .npy, format 1.0, '<f4', C order; the header is padded so the data starts 64-byte aligned. */
export function npyBytesHeader(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const h = Buffer.alloc(total, 0x20);
  h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  h.writeUInt16LE(total - 10, 8);
  h.write(dict, 10, 'latin1');
  h[total - 1] = 0x0a;
  return h;
}

export function writeNpy(p: string, m: Matrix, opts: WriteOptions = {}): void {
  check(m);
  atomicWriteSync(p, (fd) => {
    writeAll(fd, npyBytesHeader(m.rows, m.cols));
    let bytes = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    if (os.endianness() === 'BE') bytes = Buffer.from(bytes).swap32();
    writeAll(fd, bytes);
  }, opts.protect);
}

/** JSON {"columns": [...], "data": [[...]]} (pandas orient='split'); NaN / ±Inf become null. */
export function writeJson(p: string, m: Matrix, opts: WriteOptions = {}): void {
  check(m);
  atomicWriteSync(p, (fd) => {
    let out = `{"columns": ${JSON.stringify(m.columns)}, "data": [`;
    for (let r = 0; r < m.rows; r++) {
      const vals: string[] = [];
      for (let j = 0; j < m.cols; j++) {
        const v = m.data[r * m.cols + j];
        vals.push(Number.isFinite(v) ? formatFloat32(v) : 'null');
      }
      out += `${r ? ',' : ''}\n[${vals.join(', ')}]`;
      if (out.length > 1 << 20) {
        writeAll(fd, out);
        out = '';
      }
    }
    writeAll(fd, out + '\n]}\n');
  }, opts.protect);
}
