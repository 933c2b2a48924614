/**
 * HDF5 (.h5 / .hdf5) through h5wasm, which reads the file in place (Emscripten NODERAWFS) and slices rows
 * through libhdf5, so only the blocks being converted are in memory.
 *
 * Tables it recognises (the `dataset` option names a dataset or group path; without it the first found
 * is read, pandas frames first, then 2-D datasets, then column groups):
 * - any 2-D numeric dataset (column names from a 'columns' / 'column_names' / 'names' string attribute);
 * - a 1-D numeric dataset, as one column (only when named);
 * - a group of equal-length 1-D numeric datasets, one column each (named after them);
 * - the pandas "fixed" layout (df.to_hdf(..., format='fixed'), e.g. the LHC Olympics 2020 R&D files):
 *   a group with axis0 (column labels), axis1 (index) and blockN_items / blockN_values, where each
 *   blockN_values is rows × items of one dtype. Non-numeric blocks are skipped or refused by name.
 * pandas format='table' frames keep their column names in pickled attributes, which are never unpickled:
 * they are refused with advice to re-save as 'fixed'.
 */
import * as fs from 'node:fs';
import { DataError, listNames } from './errors';
import type { RowSink } from './sink';
import { blockRows, type OpenOptions, type Source } from './source';

type H5 = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let loading: Promise<H5> | undefined;

/** h5wasm, loaded once, with HDF5 errors thrown as exceptions instead of printed to stderr. */
export function loadH5(): Promise<H5> {
  loading ??= (async () => {
    const m = (await import('h5wasm/node')) as H5;
    const mod = (await m.ready) as unknown as { activate_throwing_error_handler(): number };
    mod.activate_throwing_error_handler();
    return m;
  })();
  return loading;
}

/** The innermost line of an HDF5 error stack: the actual reason ("truncated file: eof = …"). */
export function h5Reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const frames = msg.split('\n').filter((l) => /#\d+:/.test(l));
  const last = frames.length ? frames[frames.length - 1].replace(/^.*?\(\):\s*/, '') : msg.split('\n')[0];
  return last.trim();
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function hasSignature(real: string, size: number): Promise<boolean> {
  const fh = await fs.promises.open(real, 'r');
  try {
    const b = Buffer.alloc(8);
    // The superblock sits at 0 or after a user block of 512 · 2^k bytes.
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      await fh.read(b, 0, 8, at);
      if (b.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

interface Col {
  /** Dataset holding it, the column inside that dataset (−1: 1-D), and a reader-side dataset index. */
  ds: number;
  j: number;
}

interface Table {
  kind: 'dataset' | 'columns' | 'pandas';
  path: string;
  rows: number;
  names: string[];
  cols: Col[];
  datasets: H5Dataset[];
  nonNumeric: Map<number, string>;
}

function attr(obj: H5Group | H5Dataset, name: string): unknown {
  try {
    const a = obj.attrs[name];
    return a ? a.value : undefined;
  } catch {
    return undefined;
  }
}

function numericKind(d: H5Dataset): string | undefined {
  const m = d.metadata;
  if (m.type === 0 || (m.type === 1 && (m.size === 4 || m.size === 8)) || (m.type === 4 && m.size === 1) || m.type === 8) return undefined;
  if (m.type === 1) return `float${m.size * 8}`;
  const what: Record<number, string> = { 2: 'time values', 3: 'strings', 5: 'opaque bytes', 6: 'compound records', 7: 'references', 9: 'variable-length data', 10: 'fixed-size arrays' };
  return what[m.type] ?? `HDF5 type class ${m.type}`;
}

function labels(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, (x) => String(x));
  return undefined;
}

function isPandasFixed(g: H5Group, keys: string[]): boolean {
  return keys.includes('axis0') && keys.includes('block0_items') && keys.includes('block0_values');
}

function isPandasTable(g: H5Group, keys: string[]): boolean {
  return attr(g, 'pandas_type') === 'frame_table' || (keys.includes('table') && attr(g, 'table_type') !== undefined);
}

export async function openHdf5(real: string, o: OpenOptions): Promise<Source> {
  const file = o.file;
  if (o.size === 0) throw new DataError(file, 'empty', 'is empty');
  if (!(await hasSignature(real, o.size))) throw new DataError(file, 'bad-magic', 'is not an HDF5 file (no HDF5 signature)');
  const h5 = await loadH5();
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(real, 'r');
  } catch (e) {
    const why = h5Reason(e);
    throw new DataError(file, /truncated/i.test(why) ? 'truncated' : 'hdf5-open', `cannot be opened as HDF5: ${why}`);
  }
  try {
    const found = o.dataset !== undefined ? [named(h5, f, file, o.dataset)] : discover(h5, f, file);
    const t = found[0];
    const warnings: string[] = [];
    if (o.dataset === undefined && found.length > 1) warnings.push(`read '${t.path}' of ${listNames(found.map((x) => x.path))}; pass dataset to choose another`);
    const datasets = o.dataset === undefined ? found.map((x) => x.path) : undefined;
    return {
      columns: t.names,
      rows: t.rows,
      ...(datasets ? { datasets } : {}),
      array: t.path,
      ...(t.nonNumeric.size ? { nonNumeric: t.nonNumeric } : {}),
      warnings,
      read: async (sel, sink) => readTable(h5, file, t, sel, sink),
      close: async () => {
        f.close();
      },
    };
  } catch (e) {
    f.close();
    if (e instanceof DataError) throw e;
    throw new DataError(file, 'hdf5-read', `cannot be read: ${h5Reason(e)}`);
  }
}

/** Every table in the file, in the order of preference. */
function discover(h5: H5, f: InstanceType<H5['File']>, file: string): Table[] {
  const pandas: Table[] = [];
  const twoD: Table[] = [];
  const groups: Table[] = [];
  const unsupported: string[] = [];
  let visited = 0;
  const walk = (g: H5Group, path: string, depth: number): void => {
    const keys = g.keys();
    if (isPandasFixed(g, keys)) {
      pandas.push(pandasTable(h5, g, path || '/', file));
      return;
    }
    if (isPandasTable(g, keys)) {
      unsupported.push(`${path} (pandas format='table')`);
      return;
    }
    const col = columnGroup(h5, g, path || '/', keys, file, false);
    if (col) groups.push(col);
    for (const k of keys) {
      if (++visited > 10000 || k.startsWith('_i_')) continue;
      const child = g.get(k);
      const p = `${path}/${k}`;
      if (child instanceof h5.Group) {
        if (depth < 8) walk(child, p, depth + 1);
      } else if (child instanceof h5.Dataset) {
        const s = child.shape ?? [];
        if (s.length === 2 && s[0] > 0 && s[1] > 0 && numericKind(child) === undefined) twoD.push(datasetTable(child, p));
      }
    }
  };
  walk(f, '', 0);
  const all = [...pandas, ...twoD, ...groups];
  if (all.length === 0) {
    const extra = unsupported.length ? `; found ${unsupported.join(', ')}: re-save it with df.to_hdf(path, key, format='fixed')` : '';
    throw new DataError(file, unsupported.length ? 'h5-pandas-table' : 'h5-no-table', `holds no numeric table (a 2-D numeric dataset, a group of equal-length 1-D numeric datasets, or a pandas 'fixed' frame)${extra}; top level: ${listNames(f.keys())}`);
  }
  return all;
}

/** The table at a path the user named, with messages about what is wrong with it. */
function named(h5: H5, f: InstanceType<H5['File']>, file: string, want: string): Table {
  const parts = want.split('/').filter((s) => s !== '');
  let node: unknown = f;
  let path = '';
  for (const part of parts) {
    if (!(node instanceof h5.Group)) throw new DataError(file, 'h5-not-found', `'${path}' is a dataset, so it has no member '${part}'`, { array: want });
    const keys = node.keys();
    if (!keys.includes(part)) throw new DataError(file, 'h5-not-found', `not found: '${path || '/'}' has no member '${part}' (it holds: ${listNames(keys, 20)})`, { array: want });
    node = node.get(part);
    path += `/${part}`;
  }
  path = path || '/';
  if (node instanceof h5.Group) {
    const keys = node.keys();
    if (isPandasFixed(node, keys)) return pandasTable(h5, node, path, file);
    if (isPandasTable(node, keys)) throw new DataError(file, 'h5-pandas-table', "is a pandas format='table' frame, whose column names are pickled; re-save it with df.to_hdf(path, key, format='fixed')", { array: path });
    const g = columnGroup(h5, node, path, keys, file, true);
    if (g) return g;
    throw new DataError(file, 'h5-no-table', `is a group without a table: no 1-D numeric datasets and no pandas frame (it holds: ${listNames(keys, 20)})`, { array: path });
  }
  if (!(node instanceof h5.Dataset)) throw new DataError(file, 'h5-not-found', 'is a link that leads nowhere readable', { array: path });
  const bad = numericKind(node);
  if (bad) throw new DataError(file, 'h5-dtype', `holds ${bad}, not numbers (dtype ${JSON.stringify(node.dtype)})`, { array: path });
  const s = node.shape ?? [];
  if (s.length === 0) throw new DataError(file, 'h5-rank', 'holds a single number (a scalar dataset), not a table', { array: path });
  if (s.length > 2) throw new DataError(file, 'h5-rank', `is ${s.length}-D (${s.join(' × ')}); Flowmorph reads tables: 2-D rows × columns, or 1-D columns`, { array: path });
  if (s[0] === 0 || (s.length === 2 && s[1] === 0)) throw new DataError(file, 'empty', `is empty (shape ${s.join(' × ')})`, { array: path });
  return datasetTable(node, path);
}

function datasetTable(d: H5Dataset, path: string): Table {
  const s = d.shape ?? [];
  const cols = s.length === 2 ? s[1] : 1;
  let names: string[] | undefined;
  for (const a of ['columns', 'column_names', 'names']) {
    const l = labels(attr(d, a));
    if (l && l.length === cols) {
      names = l;
      break;
    }
  }
  names ??= s.length === 1 ? [path.split('/').pop() || 'x0'] : Array.from({ length: cols }, (_, i) => `x${i}`);
  return { kind: 'dataset', path, rows: s[0], names, cols: names.map((_, j) => ({ ds: 0, j: s.length === 2 ? j : -1 })), datasets: [d], nonNumeric: new Map() };
}

function columnGroup(h5: H5, g: H5Group, path: string, keys: string[], file: string, strict: boolean): Table | undefined {
  const names: string[] = [];
  const datasets: H5Dataset[] = [];
  const nonNumeric = new Map<number, string>();
  const lens: string[] = [];
  let rows = -1;
  let same = true;
  for (const k of keys) {
    const d = g.get(k);
    if (!(d instanceof h5.Dataset)) continue;
    const s = d.shape ?? [];
    if (s.length !== 1) continue;
    const bad = numericKind(d);
    if (rows < 0 && !bad) rows = s[0];
    if (!bad && s[0] !== rows) same = false;
    lens.push(`${k} (${s[0]})`);
    if (bad) nonNumeric.set(names.length, bad);
    names.push(k);
    datasets.push(d);
  }
  if (rows <= 0 || names.length === nonNumeric.size) return undefined;
  if (!same) {
    if (strict) throw new DataError(file, 'h5-lengths', `holds 1-D datasets of different lengths, so they cannot be columns: ${lens.join(', ')}`, { array: path });
    return undefined;
  }
  return { kind: 'columns', path, rows, names, cols: names.map((_, i) => ({ ds: i, j: -1 })), datasets, nonNumeric };
}

function pandasTable(h5: H5, g: H5Group, path: string, file: string): Table {
  const where = { array: path };
  const keys = g.keys();
  const ax = g.get('axis0');
  const names = ax instanceof h5.Dataset ? labels(ax.value) : undefined;
  if (!names) throw new DataError(file, 'h5-pandas', 'looks like a pandas frame but its axis0 (column labels) cannot be read', where);
  const index = new Map(names.map((n, i) => [n, i]));
  const cols: (Col | undefined)[] = new Array(names.length);
  const datasets: H5Dataset[] = [];
  const nonNumeric = new Map<number, string>();
  let rows = -1;
  for (let b = 0; keys.includes(`block${b}_items`); b++) {
    const itemsDs = g.get(`block${b}_items`);
    const items = itemsDs instanceof h5.Dataset ? labels(itemsDs.value) : undefined;
    const vals = g.get(`block${b}_values`);
    if (!items || !(vals instanceof h5.Dataset)) throw new DataError(file, 'h5-pandas', `block ${b} of the pandas frame is incomplete`, where);
    const bad = numericKind(vals);
    const s = vals.shape ?? [];
    if (!bad && (s.length !== 2 || s[1] !== items.length)) {
      throw new DataError(file, 'h5-pandas', `block${b}_values has shape ${s.join(' × ')}, expected rows × ${items.length}`, where);
    }
    if (!bad) {
      if (rows >= 0 && s[0] !== rows) throw new DataError(file, 'h5-pandas', `block${b}_values has ${s[0]} rows, other blocks ${rows}`, where);
      rows = s[0];
    }
    items.forEach((it, j) => {
      const i = index.get(it);
      if (i === undefined) return;
      if (bad) nonNumeric.set(i, bad === 'variable-length data' ? 'Python objects' : bad);
      else cols[i] = { ds: datasets.length, j };
    });
    if (!bad) datasets.push(vals);
  }
  if (rows < 0) {
    const a1 = g.get('axis1');
    rows = a1 instanceof h5.Dataset ? (a1.shape ?? [0])[0] : 0;
  }
  names.forEach((n, i) => {
    if (!cols[i] && !nonNumeric.has(i)) nonNumeric.set(i, 'in no block');
  });
  if (rows === 0) throw new DataError(file, 'empty', 'is an empty pandas frame (0 rows)', where);
  return { kind: 'pandas', path, rows, names, cols: cols.map((c) => c ?? { ds: -1, j: -1 }), datasets, nonNumeric };
}

/** A typed array from h5wasm as plain numbers (64-bit integers via their 32-bit halves, not BigInt). */
function asNumbers(v: unknown): ArrayLike<number> {
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
class Slicer {
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

async function readTable(h5: H5, file: string, t: Table, sel: number[], sink: RowSink): Promise<void> {
  const slicer = new Slicer(h5);
  const w = sel.length;
  // Per dataset: which of its columns are wanted, and where they go in the block.
  const plan = new Map<number, { j: number; k: number }[]>();
  sel.forEach((c, k) => {
    const { ds, j } = t.cols[c];
    if (!plan.has(ds)) plan.set(ds, []);
    plan.get(ds)!.push({ j, k });
  });
  // Blocks of ~1 MB: the wasm heap never shrinks, so its buffer is kept small.
  const n = Math.min(t.rows, Math.max(1, blockRows(w) >> 2));
  const block = new Float64Array(n * w);
  const direct = plan.size === 1 && [...plan.values()][0][0].j >= 0;
  try {
    for (let r0 = 0; r0 < t.rows && !sink.done; r0 += n) {
      const m = Math.min(n, t.rows - r0);
      if (direct) {
        // One 2-D dataset: hand its slice to the sink as is, columns picked by offset.
        const [ds, want] = [...plan.entries()][0];
        const d = t.datasets[ds];
        const js = want.map((x) => x.j);
        const lo = Math.min(...js);
        const hi = Math.max(...js) + 1;
        const total = (d.shape ?? [0, 0])[1];
        if (hi - lo <= Math.max(64, 2 * want.length) || total <= 256) {
          const v = slicer.read(d, r0, r0 + m, lo, hi);
          const map = new Int32Array(w);
          for (const { j, k } of want) map[k] = j - lo;
          sink.pushRows(v, m, hi - lo, map, r0 + 1);
          continue;
        }
      }
      for (const [ds, want] of plan) {
        const d = t.datasets[ds];
        if (want[0].j < 0) {
          const v = slicer.read(d, r0, r0 + m);
          const k = want[0].k;
          for (let r = 0; r < m; r++) block[r * w + k] = v[r];
          continue;
        }
        const js = want.map((x) => x.j);
        const lo = Math.min(...js);
        const hi = Math.max(...js) + 1;
        const total = (d.shape ?? [0, 0])[1];
        // One slice over the span of wanted columns when that is not much wider than needed; else one per column.
        if (hi - lo <= Math.max(64, 2 * want.length) || total <= 256) {
          const span = hi - lo;
          const v = slicer.read(d, r0, r0 + m, lo, hi);
          for (const { j, k } of want) for (let r = 0; r < m; r++) block[r * w + k] = v[r * span + j - lo];
        } else {
          for (const { j, k } of want) {
            const v = slicer.read(d, r0, r0 + m, j, j + 1);
            for (let r = 0; r < m; r++) block[r * w + k] = v[r];
          }
        }
      }
      sink.pushBlock(block, m, r0 + 1);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    const why = h5Reason(e);
    throw new DataError(file, /truncated|eof|addr overflow/i.test(why) ? 'truncated' : 'hdf5-read', `cannot be read: ${why}`, { array: t.path });
  } finally {
    slicer.free();
  }
}
