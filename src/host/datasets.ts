/**
 * Dataset files from the host's side: which extensions count as data (the Explorer entries), writing a
 * toy dataset as CSV, and the Markdown of the summary "Preview Dataset" shows. The summary itself is made
 * in the worker (src/host/preview.ts): the readers (h5wasm, hyparquet) are not in the extension's bundle
 * and no file is parsed on the extension host's thread.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { writeFileAtomic } from '../data/atomic';
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
  writeFileAtomic(file, matrixToCsv(t.features, t.condition));
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

export interface PreviewRequest {
  file: string;
  dataset?: string;
  workspaceRoot?: string;
}

/** What the worker posts back for a preview request. */
export type PreviewReply = { type: 'preview'; preview: DatasetPreview } | { type: 'preview-error'; message: string };

/** Runs previewDataset (src/host/preview.ts) in a fresh worker (`workerFile`: dist/worker.js) and resolves with its summary. */
export function previewInWorker(workerFile: string, req: PreviewRequest): Promise<DatasetPreview> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: { backend: 'cpu', preview: req } });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      f();
    };
    worker.on('message', (m: PreviewReply | { type: string }) => {
      if (m.type === 'preview') settle(() => resolve((m as Extract<PreviewReply, { type: 'preview' }>).preview));
      else if (m.type === 'preview-error') settle(() => reject(new Error((m as Extract<PreviewReply, { type: 'preview-error' }>).message)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the preview worker exited (code ${code})`))));
  });
}
