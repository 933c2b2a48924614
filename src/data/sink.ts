/**
 * Where every reader puts its rows. The sink owns what is common to all formats, so each reader only
 * decodes: the split into feature and condition columns, the NaN / ±Inf policy (count and locate, or
 * drop), the memory budget, and subsampling. Rows land straight in float32 buffers (no per-row objects).
 *
 * Subsampling (only when the caller set maxRows) is reservoir sampling (Vitter 1985, Algorithm R) with a
 * seeded generator, then the kept rows are put back in file order: the same file and seed give the same
 * rows, and one pass suffices even when the row count is unknown in advance (CSV).
 */
import { Rng } from '../core/random';
import { DataError } from './errors';
import type { Matrix } from './matrix';

export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

export interface SinkOptions {
  file: string;
  /** Array inside a container, named in messages. */
  array?: string;
  featureNames: string[];
  conditionNames: string[];
  dropNonFinite?: boolean;
  /** Preview Dataset: keep rows holding NaN / ±Inf / missing values as they are (counted, with a warning). */
  keepNonFinite?: boolean;
  maxRows?: number;
  maxBytes?: number;
  /** Exact number of data rows, when the format says: one allocation, and an early refusal if too large. */
  rows?: number;
  /** Estimated rows (CSV: from the file size) for the first allocation. */
  sizeHint?: number;
  /** Preview: keep the first `head` rows as they are (no NaN check, no budget). */
  head?: number;
  seed?: number;
}

export interface SinkResult {
  features: Matrix;
  condition?: Matrix;
  droppedRows: number;
  totalRows: number;
  warnings: string[];
}

const MB = 1024 * 1024;

export class RowSink {
  /** Scratch row for commit(): features first, then conditions. */
  readonly row: Float64Array;
  readonly width: number;
  private readonly wf: number;
  private readonly wc: number;
  private readonly o: SinkOptions;
  private readonly limit: number;
  private readonly sampling: boolean;
  private readonly budgetRows: number;
  private f: Float32Array;
  private c: Float32Array;
  private cap: number;
  private n = 0;
  private seen = 0;
  private finiteSeen = 0;
  private dropped = 0;
  private bad = 0;
  private first?: { row: number; col: number; value: number };
  private order?: Float64Array;
  private rng?: Rng;
  private readonly warnings: string[] = [];

  constructor(o: SinkOptions) {
    this.o = o;
    this.wf = o.featureNames.length;
    this.wc = o.conditionNames.length;
    this.width = this.wf + this.wc;
    this.row = new Float64Array(this.width);
    const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    this.budgetRows = Math.max(1, Math.floor(maxBytes / (4 * Math.max(1, this.width))));
    if (o.head !== undefined) {
      this.limit = o.head;
      this.sampling = false;
    } else if (o.maxRows !== undefined) {
      if (!(Number.isInteger(o.maxRows) && o.maxRows > 0)) throw new DataError(o.file, 'bad-option', `maxRows must be a positive integer, not ${o.maxRows}`);
      this.limit = Math.min(o.maxRows, this.budgetRows);
      this.sampling = true;
      if (this.budgetRows < o.maxRows && (o.rows === undefined || o.rows > this.budgetRows)) {
        this.warnings.push(`the memory budget of ${fmtMB(maxBytes)} holds only ${this.budgetRows} rows of ${this.width} columns, fewer than --max-rows ${o.maxRows}`);
      }
    } else {
      this.limit = this.budgetRows;
      this.sampling = false;
      if (o.rows !== undefined && o.rows > this.budgetRows) throw this.tooLarge(o.rows);
    }
    const want = o.rows ?? o.sizeHint ?? 4096;
    this.cap = Math.max(1, Math.min(this.limit, Math.ceil(want)));
    this.f = new Float32Array(this.cap * this.wf);
    this.c = new Float32Array(this.cap * this.wc);
  }

  /** True once a preview has its rows: readers stop early. */
  get done(): boolean {
    return this.o.head !== undefined && this.n >= this.o.head;
  }

  /** Rows offered so far. */
  get total(): number {
    return this.seen;
  }

  /** Offers the scratch row; rowNo is what messages call this row. */
  commit(rowNo: number): void {
    if (this.o.head === undefined && this.takesAll() && this.n < this.limit) {
      if (this.n === this.cap) this.grow();
      if (copyRows(this.row, 0, 1, this.width, this.identity(), this.f, this.wf, this.c, this.wc, this.n) === 1) {
        if (this.order) this.order[this.n] = this.finiteSeen;
        this.seen++;
        this.finiteSeen++;
        this.n++;
        return;
      }
    }
    this.offer(this.row, 0, rowNo);
  }

  /** Offers n rows from a row-major block of `width` columns; the first is called rowNo0 in messages. */
  pushBlock(block: Float64Array, n: number, rowNo0: number): void {
    this.pushRows(block, n, this.width, this.identity(), rowNo0);
  }

  /** Whether rows are stored: none refused so far, or rows with NaN / ±Inf are dropped or kept. */
  private takesAll(): boolean {
    return this.bad === 0 || this.o.dropNonFinite === true || this.o.keepNonFinite === true;
  }

  private ident?: Int32Array;
  private identity(): Int32Array {
    return (this.ident ??= Int32Array.from({ length: this.width }, (_, k) => k));
  }

  /**
   * Offers n rows straight from a decoder's buffer: column k of row i is src[i * stride + map[k]]
   * (features first, then conditions). The common case — no preview, room left, every value finite —
   * runs in one tight loop writing float32 directly; anything else takes the per-row path.
   */
  pushRows(src: ArrayLike<number>, n: number, stride: number, map: Int32Array, rowNo0: number): void {
    const wf = this.wf;
    const wc = this.wc;
    const w = this.width;
    const row = this.row;
    let i = 0;
    while (i < n && !this.done) {
      if (this.o.head === undefined && this.takesAll()) {
        const end = i + Math.min(n - i, this.limit - this.n);
        if (this.n + (end - i) > this.cap) this.growTo(Math.min(this.limit, Math.max(this.n + (end - i), Math.ceil(this.cap * 1.5))));
        const i0 = i;
        i = copyRows(src, i, end, stride, map, this.f, wf, this.c, wc, this.n);
        const took = i - i0;
        if (this.order) for (let q = 0; q < took; q++) this.order[this.n + q] = this.finiteSeen + q;
        this.seen += took;
        this.finiteSeen += took;
        this.n += took;
        if (i >= n) return;
      }
      // One row the fast loop cannot take (non-finite, full, preview, or a file being refused).
      const base = i * stride;
      for (let k = 0; k < w; k++) row[k] = src[base + map[k]];
      this.offer(row, 0, rowNo0 + i);
      i++;
    }
  }

  private offer(src: Float64Array, off: number, rowNo: number): void {
    this.seen++;
    const w = this.width;
    if (this.o.head === undefined) {
      for (let j = 0; j < w; j++) {
        const v = Math.fround(src[off + j]);
        if (v - v !== 0) {
          this.bad++;
          if (!this.first) this.first = { row: rowNo, col: j, value: src[off + j] };
          if (this.o.keepNonFinite) break;
          if (this.o.dropNonFinite) this.dropped++;
          return;
        }
      }
      // A file that will be refused anyway needs no storing, only counting.
      if (!this.takesAll()) return;
    }
    const k = this.finiteSeen++;
    let slot: number;
    if (this.n < this.limit) {
      if (this.n === this.cap) this.grow();
      slot = this.n++;
      if (this.order) this.order[slot] = k;
    } else if (this.o.head !== undefined) {
      return;
    } else if (!this.sampling) {
      throw this.tooLarge();
    } else {
      if (!this.order) {
        this.order = new Float64Array(this.limit);
        for (let i = 0; i < this.limit; i++) this.order[i] = i;
        this.rng = new Rng(this.o.seed ?? 0);
      }
      slot = this.rng!.int(k + 1);
      if (slot >= this.limit) return;
      this.order[slot] = k;
    }
    const wf = this.wf;
    const wc = this.wc;
    const fb = slot * wf;
    for (let j = 0; j < wf; j++) this.f[fb + j] = src[off + j];
    const cb = slot * wc;
    for (let j = 0; j < wc; j++) this.c[cb + j] = src[off + wf + j];
  }

  private grow(): void {
    this.growTo(Math.min(this.limit, Math.max(this.cap + 1024, Math.ceil(this.cap * 1.5))));
  }

  private growTo(cap: number): void {
    const f = new Float32Array(cap * this.wf);
    f.set(this.f);
    const c = new Float32Array(cap * this.wc);
    c.set(this.c);
    this.f = f;
    this.c = c;
    this.cap = cap;
  }

  private tooLarge(rows?: number): DataError {
    const maxBytes = this.o.maxBytes ?? DEFAULT_MAX_BYTES;
    const what = rows !== undefined ? `${rows} rows × ${this.width} columns need ${fmtMB(rows * this.width * 4)}` : `more than ${this.budgetRows} rows × ${this.width} columns need more than ${fmtMB(maxBytes)}`;
    return new DataError(this.o.file, 'too-large', `${what} as float32, over the memory budget of ${fmtMB(maxBytes)}; give --max-rows N to read a random subsample, select fewer columns, or raise --max-bytes`, this.o.array !== undefined ? { array: this.o.array } : {});
  }

  private columnName(j: number): string {
    return j < this.wf ? this.o.featureNames[j] : this.o.conditionNames[j - this.wf];
  }

  /** The rows kept, as float32 matrices with exact-length buffers; throws on NaN / ±Inf unless dropping or keeping them. */
  finish(): SinkResult {
    const o = this.o;
    const where = (row?: number, column?: string) => ({ ...(o.array !== undefined ? { array: o.array } : {}), ...(row !== undefined ? { row } : {}), ...(column !== undefined ? { column } : {}) });
    if (this.first && o.head === undefined) {
      const { row, col, value } = this.first;
      const what = describe(value);
      if (o.keepNonFinite) {
        this.warnings.push(`${this.bad} of ${this.seen} rows hold NaN, ±Inf or missing values (first: row ${row}, column '${this.columnName(col)}': ${what}); training refuses the file unless such rows are dropped (dropNonFinite)`);
      } else {
        if (!o.dropNonFinite) {
          const count = this.bad === 1 ? `the only one of ${this.seen} rows with NaN, ±Inf or missing values` : `the first of ${this.bad} (of ${this.seen}) rows with NaN, ±Inf or missing values`;
          throw new DataError(o.file, 'non-finite', `${what}: ${count}; fix the file or give --drop-non-finite to drop such rows`, where(row, this.columnName(col)));
        }
        if (this.n === 0) throw new DataError(o.file, 'all-non-finite', `all ${this.seen} rows hold NaN, ±Inf or missing values (first: row ${row}, column '${this.columnName(col)}': ${what})`, where());
        this.warnings.push(`dropped ${this.dropped} of ${this.seen} rows holding NaN, ±Inf or missing values (first: row ${row}, column '${this.columnName(col)}': ${what})`);
      }
    }
    if (this.n === 0 && o.head === undefined) throw new DataError(o.file, 'empty', 'holds no data rows', where());
    let f = this.f;
    let c = this.c;
    const n = this.n;
    if (this.order && this.finiteSeen > this.limit) {
      [f, c] = this.inFileOrder();
      this.warnings.push(`kept a random subsample of ${n} of ${this.finiteSeen} rows (--max-rows ${o.maxRows}, seed ${o.seed ?? 0})`);
    }
    if (f.length !== n * this.wf) f = f.slice(0, n * this.wf);
    if (c.length !== n * this.wc) c = c.slice(0, n * this.wc);
    const features: Matrix = { rows: n, cols: this.wf, data: f, columns: o.featureNames.slice() };
    const res: SinkResult = { features, droppedRows: this.dropped, totalRows: this.seen, warnings: this.warnings };
    if (this.wc > 0) res.condition = { rows: n, cols: this.wc, data: c, columns: o.conditionNames.slice() };
    return res;
  }

  /** Reorders the reservoir by original row index (sort keys pack index and slot into one double). */
  private inFileOrder(): [Float32Array, Float32Array] {
    const n = this.n;
    const order = this.order!;
    const keys = new Float64Array(n);
    const exact = this.finiteSeen * n < 2 ** 53;
    let perm: Uint32Array;
    if (exact) {
      for (let i = 0; i < n; i++) keys[i] = order[i] * n + i;
      keys.sort();
      perm = new Uint32Array(n);
      for (let i = 0; i < n; i++) perm[i] = keys[i] - Math.floor(keys[i] / n) * n;
    } else {
      perm = new Uint32Array(n).map((_, i) => i);
      perm.sort((a, b) => order[a] - order[b]);
    }
    const wf = this.wf;
    const wc = this.wc;
    const f = new Float32Array(n * wf);
    const c = new Float32Array(n * wc);
    for (let i = 0; i < n; i++) {
      const s = perm[i];
      for (let j = 0; j < wf; j++) f[i * wf + j] = this.f[s * wf + j];
      for (let j = 0; j < wc; j++) c[i * wc + j] = this.c[s * wc + j];
    }
    return [f, c];
  }
}

/**
 * The hot loop: copies rows [i0, i1) of src into F / C from row n0 on, as float32, and returns the index
 * of the first row holding a non-finite value (after float32 rounding), or i1.
 */
function copyRows(src: ArrayLike<number>, i0: number, i1: number, stride: number, map: Int32Array, F: Float32Array, wf: number, C: Float32Array, wc: number, n0: number): number {
  if (wc === 0 && stride === wf && ArrayBuffer.isView(src) && isIdentity(map, wf)) {
    // Whole rows, all columns, in order: one native copy (with float32 rounding), then a scan.
    const start = n0 * wf;
    F.set((src as unknown as Float32Array).subarray(i0 * stride, i1 * stride), start);
    const end = start + (i1 - i0) * wf;
    for (let q = start; q < end; q++) {
      const y = F[q];
      if (y - y !== 0) return i0 + Math.floor((q - start) / wf);
    }
    return i1;
  }
  let fo = n0 * wf;
  let co = n0 * wc;
  for (let i = i0; i < i1; i++) {
    const base = i * stride;
    let bad = false;
    for (let k = 0; k < wf; k++) {
      F[fo + k] = src[base + map[k]];
      const y = F[fo + k];
      if (y - y !== 0) bad = true;
    }
    for (let k = 0; k < wc; k++) {
      C[co + k] = src[base + map[wf + k]];
      const y = C[co + k];
      if (y - y !== 0) bad = true;
    }
    if (bad) return i;
    fo += wf;
    co += wc;
  }
  return i1;
}

function isIdentity(map: Int32Array, w: number): boolean {
  for (let k = 0; k < w; k++) if (map[k] !== k) return false;
  return true;
}

function describe(v: number): string {
  if (Number.isNaN(v)) return 'NaN or missing value';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v} is beyond the float32 range (±3.4e38)`;
}

export function fmtMB(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(2)} GiB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
}
