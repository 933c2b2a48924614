/**
 * Dataset files from the host's side: which extensions count as data (the Explorer entries), writing a
 * toy dataset as CSV, and the short summary "Preview Dataset" shows.
 */
import * as path from 'path';
import { writeFileAtomicSync } from '../core/io/atomic';
import type { Matrix } from '../data/matrix';
import { generateToy, toyInfo, toyNames } from '../data/toys';

/** File extensions Flowmorph reads (src/data); the Explorer's when-clauses list the same ones. */
export const DATASET_EXTENSIONS = ['.csv', '.tsv', '.npy', '.npz', '.json', '.h5', '.hdf5', '.parquet'] as const;

export function isDatasetFile(file: string): boolean {
  return (DATASET_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

export { toyNames, toyInfo };

/** Rows as CSV text: header, then one line per row, 7 significant digits (float32 holds ~7). */
export function matrixToCsv(m: Matrix, extra?: Matrix): string {
  const cols = extra ? [...m.columns, ...extra.columns] : m.columns;
  const lines = [cols.join(',')];
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7))));
  for (let r = 0; r < m.rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < m.cols; c++) row.push(fmt(m.data[r * m.cols + c]));
    if (extra) for (let c = 0; c < extra.cols; c++) row.push(fmt(extra.data[r * extra.cols + c]));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

export interface ToyRequest {
  name: string;
  rows?: number;
  seed?: number;
  /** Wrap the toy in a conditional transformation (src/data/toys/conditional.ts); adds condition columns. */
  condition?: string;
}

/** Writes `rows` points of a toy to `file` (atomically) and returns what was written. */
export function writeToyCsv(file: string, req: ToyRequest): { file: string; rows: number; columns: string[] } {
  const rows = req.rows ?? 5000;
  const t = generateToy(req.name, rows, req.seed ?? 0, req.condition ? { condition: req.condition as never } : {});
  writeFileAtomicSync(file, matrixToCsv(t.features, t.condition));
  return { file, rows, columns: [...t.features.columns, ...(t.condition?.columns ?? [])] };
}

export interface ColumnStats {
  name: string;
  min: number;
  max: number;
  mean: number;
  std: number;
}

export interface DatasetPreview {
  file: string;
  rows: number;
  columns: string[];
  conditionColumns: string[];
  stats: ColumnStats[];
  head: number[][];
  warnings: string[];
}

function stats(m: Matrix): ColumnStats[] {
  return m.columns.map((name, c) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sq = 0;
    for (let r = 0; r < m.rows; r++) {
      const v = m.data[r * m.cols + c];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sq += v * v;
    }
    const mean = m.rows ? sum / m.rows : NaN;
    return { name, min, max, mean, std: m.rows ? Math.sqrt(Math.max(0, sq / m.rows - mean * mean)) : NaN };
  });
}

/** Reads a dataset with the engine's readers (src/data/read.ts) and summarises it. */
export async function previewDataset(file: string, opts: { dataset?: string; workspaceRoot?: string } = {}): Promise<DatasetPreview> {
  let read: (p: string, o: Record<string, unknown>) => Promise<{ features: Matrix; condition?: Matrix; warnings: string[] }>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    read = require('../data/read').readDataset;
  } catch (e) {
    throw new Error(`the dataset readers are not in this build: ${(e as Error).message.split('\n')[0]}`);
  }
  const d = await read(file, { dataset: opts.dataset, workspaceRoot: opts.workspaceRoot });
  const head: number[][] = [];
  for (let r = 0; r < Math.min(5, d.features.rows); r++) head.push(Array.from(d.features.data.subarray(r * d.features.cols, (r + 1) * d.features.cols)));
  return {
    file,
    rows: d.features.rows,
    columns: d.features.columns,
    conditionColumns: d.condition?.columns ?? [],
    stats: [...stats(d.features), ...(d.condition ? stats(d.condition) : [])],
    head,
    warnings: d.warnings,
  };
}

/** The preview as Markdown. */
export function previewMarkdown(p: DatasetPreview): string {
  const n = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v));
  const lines = [
    `# ${path.basename(p.file)}`,
    '',
    `${p.rows} rows × ${p.columns.length} feature column(s)${p.conditionColumns.length ? ` + ${p.conditionColumns.length} condition column(s)` : ''}`,
    '',
    '| column | min | max | mean | std |',
    '|---|---|---|---|---|',
    ...p.stats.map((s) => `| ${s.name}${p.conditionColumns.includes(s.name) ? ' (condition)' : ''} | ${n(s.min)} | ${n(s.max)} | ${n(s.mean)} | ${n(s.std)} |`),
    '',
    '**First rows**',
    '',
    `| ${p.columns.join(' | ')} |`,
    `|${p.columns.map(() => '---').join('|')}|`,
    ...p.head.map((r) => `| ${r.map(n).join(' | ')} |`),
  ];
  if (p.warnings.length) lines.push('', '**Warnings**', '', ...p.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}
