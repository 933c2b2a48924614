/**
 * Reading users' sample files: the one entry point for the CLI, jobs and the extension. Files are read
 * where they are and never modified (each path read is registered so that writers refuse to replace it);
 * every failure is a DataError naming the file and, where it applies, the array, row and column.
 *
 * Formats by extension: .csv / .txt (delimiter detected), .tsv, .npy, .npz, .json, .h5 / .hdf5, .parquet.
 * All arrive as float32 Matrix objects (row-major, no per-row objects), features and conditions apart.
 */
import * as path from 'node:path';
import { DataError, listNames } from './errors';
import { resolveColumns } from './columns';
import { openCsv } from './csv-read';
import { openHdf5 } from './hdf5-read';
import { openJson } from './json-read';
import type { Matrix } from './matrix';
import { openNpy } from './npy-read';
import { openNpz } from './npz-read';
import { openParquet } from './parquet-read';
import { checkReadable, registerInput } from './paths';
import { RowSink } from './sink';
import { formatOf, READ_EXTENSIONS } from './formats';
import type { DatasetFormat, OpenOptions, Source } from './source';

export type { DatasetFormat } from './source';
export { DataError } from './errors';

export { formatOf } from './formats';

export interface ReadOptions {
  /** Feature columns by name or 0-based index; default: every numeric column not used as a condition. */
  columns?: (string | number)[];
  /** Condition (context) columns by name or 0-based index. */
  conditionColumns?: (string | number)[];
  /** HDF5 dataset or group path, or .npz array name. */
  dataset?: string;
  /** CSV/TSV: the first content line is (true) or is not (false) a header; detected when unset. */
  header?: boolean;
  /** Drop rows holding NaN / ±Inf / missing values instead of refusing the file. */
  dropNonFinite?: boolean;
  /** Keep rows holding NaN / ±Inf / missing values as they are, with a warning (Preview Dataset only: nothing trains on them). */
  keepNonFinite?: boolean;
  /** Keep at most this many rows: a seeded random subsample in file order (with a warning). */
  maxRows?: number;
  /** Memory budget for the float32 result (default 2 GiB): over it, subsample if maxRows is set, else refuse. */
  maxBytes?: number;
  /** Seed of the subsample (default 0). */
  seed?: number;
  onWarning?: (msg: string) => void;
  /** If set, refuse paths (after resolving symlinks) outside this folder. */
  workspaceRoot?: string;
}

export interface Dataset {
  file: string;
  format: DatasetFormat;
  features: Matrix;
  condition?: Matrix;
  /** Rows dropped for NaN / ±Inf / missing values (dropNonFinite). */
  droppedRows: number;
  /** Data rows in the file (all rows offered, before dropping and subsampling). */
  totalRows: number;
  warnings: string[];
}

export interface Inspection {
  format: DatasetFormat;
  /** Numeric columns, in file order (the preview's columns). */
  columns: string[];
  /** Row count when the format records it (not for text formats). */
  rows?: number;
  /** Arrays a container offers (HDF5 paths of tables, .npz keys). */
  datasets?: string[];
  /** The array shown, for containers. */
  dataset?: string;
  /** First ≤ 20 rows, as read (NaN kept). */
  preview: number[][];
  warnings: string[];
}

const OPENERS: Record<DatasetFormat, (real: string, o: OpenOptions) => Promise<Source>> = {
  csv: openCsv,
  tsv: openCsv,
  npy: openNpy,
  npz: openNpz,
  json: openJson,
  hdf5: openHdf5,
  parquet: openParquet,
};

async function open(p: string, opts: ReadOptions): Promise<{ src: Source; format: DatasetFormat }> {
  const format = formatOf(p);
  if (!format) {
    const ext = path.extname(p) || '(none)';
    throw new DataError(p, 'unknown-format', `has the extension ${ext}, which Flowmorph does not read; use one of ${listNames([...READ_EXTENSIONS], 20)}`);
  }
  const { real, size } = await checkReadable(p, opts.workspaceRoot);
  registerInput(p);
  const src = await OPENERS[format](real, { file: p, size, format, ...pick(opts, ['dataset', 'header']) });
  return { src, format };
}

function checkOptions(p: string, o: ReadOptions): void {
  if (o.maxBytes !== undefined && !(o.maxBytes > 0)) throw new DataError(p, 'bad-option', `maxBytes must be positive, not ${o.maxBytes}`);
  if (o.maxRows !== undefined && !(Number.isInteger(o.maxRows) && o.maxRows > 0)) throw new DataError(p, 'bad-option', `maxRows must be a positive integer, not ${o.maxRows}`);
}

/** Reads a sample file into float32 feature (and condition) matrices. Throws DataError. */
export async function readDataset(p: string, opts: ReadOptions = {}): Promise<Dataset> {
  checkOptions(p, opts);
  const { src, format } = await open(p, opts);
  try {
    const cols = resolveColumns(p, src.columns, opts, src.nonNumeric, src.array);
    const sink = new RowSink({
      file: p,
      ...(src.array !== undefined ? { array: src.array } : {}),
      featureNames: cols.features.map((i) => src.columns[i]),
      conditionNames: cols.condition.map((i) => src.columns[i]),
      ...pick(opts, ['dropNonFinite', 'keepNonFinite', 'maxRows', 'maxBytes', 'seed']),
      ...(src.rows !== undefined ? { rows: src.rows } : {}),
      ...(src.sizeHint !== undefined ? { sizeHint: src.sizeHint } : {}),
    });
    await src.read([...cols.features, ...cols.condition], sink);
    const res = sink.finish();
    const warnings = [...src.warnings, ...cols.warnings, ...res.warnings];
    for (const w of warnings) opts.onWarning?.(w);
    const ds: Dataset = { file: p, format, features: res.features, droppedRows: res.droppedRows, totalRows: res.totalRows, warnings };
    if (res.condition) ds.condition = res.condition;
    return ds;
  } finally {
    await src.close();
  }
}

/** Columns, size, choices and the first rows of a file, for the Preview command. Throws DataError. */
export async function inspectDataset(p: string, opts: ReadOptions = {}): Promise<Inspection> {
  const { src, format } = await open(p, opts);
  try {
    const numeric = src.columns.map((_, i) => i).filter((i) => !src.nonNumeric?.has(i));
    const warnings = src.warnings.slice();
    const skipped = src.columns.filter((_, i) => src.nonNumeric?.has(i));
    if (skipped.length) warnings.push(`non-numeric columns not shown: ${listNames(skipped)}`);
    const names = numeric.map((i) => src.columns[i]);
    const out: Inspection = { format, columns: names, preview: [], warnings };
    if (src.rows !== undefined) out.rows = src.rows;
    if (src.datasets) out.datasets = src.datasets;
    if (src.array !== undefined) out.dataset = src.array;
    if (numeric.length === 0) return out;
    const sink = new RowSink({ file: p, featureNames: names, conditionNames: [], head: 20 });
    await src.read(numeric, sink);
    const { features: m } = sink.finish();
    for (let r = 0; r < m.rows; r++) out.preview.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
    return out;
  } finally {
    await src.close();
  }
}

/**
 * Throws DataError unless a morph between the two datasets makes sense: the same number of feature
 * columns, and condition columns on both sides or on neither (and then as many).
 */
export function checkCompatible(source: Dataset, target: Dataset): void {
  const fs = source.features;
  const ft = target.features;
  if (fs.cols !== ft.cols) {
    throw new DataError(source.file, 'incompatible', `has ${fs.cols} feature columns (${listNames(fs.columns)}) but the target ${target.file} has ${ft.cols} (${listNames(ft.columns)}); a flow maps between spaces of the same dimension`);
  }
  const cs = source.condition?.cols ?? 0;
  const ct = target.condition?.cols ?? 0;
  if ((cs === 0) !== (ct === 0)) {
    const [has, lacks] = cs > 0 ? [source.file, target.file] : [target.file, source.file];
    throw new DataError(source.file, 'incompatible', `condition columns are given for ${has} but not for ${lacks}; give them for both or neither`);
  }
  if (cs !== ct) {
    throw new DataError(source.file, 'incompatible', `has ${cs} condition columns (${listNames(source.condition!.columns)}) but the target ${target.file} has ${ct} (${listNames(target.condition!.columns)})`);
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
