/**
 * Finding tables in an HDF5 file: 2-D numeric datasets, groups of equal-length 1-D numeric datasets, and
 * pandas "fixed" frames (axis0 = column labels, blockN_items / blockN_values = rows × items per dtype).
 * Each is described as a Table: its columns, and for each column the dataset and column that hold it.
 */
import { DataError, listNames } from './errors';
import type { H5, H5Dataset, H5Group } from './hdf5-lib';

export interface Col {
  /** Dataset holding it, the column inside that dataset (−1: 1-D), and a reader-side dataset index. */
  ds: number;
  j: number;
}

export interface Table {
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

export function numericKind(d: H5Dataset): string | undefined {
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

export function discover(h5: H5, f: InstanceType<H5['File']>, file: string): Table[] {
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
export function named(h5: H5, f: InstanceType<H5['File']>, file: string, want: string): Table {
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
