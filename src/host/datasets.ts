/**
 * Dataset files from the host's side: which extensions count as data (the Explorer entries), writing a
 * toy dataset as CSV, and the Markdown of the summary "Preview Dataset" shows. The summary itself is made
 * in the worker (src/worker/preview.ts): the readers (h5wasm, hyparquet) are not in the extension's bundle
 * and no file is parsed on the extension host's thread.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { hstack } from '../data/matrix';
import { Reply } from '../protocol/reply';
import type { DatasetPreview, PreviewReply, PreviewRequest } from '../protocol/worker';
import { generateToy, toyInfo, toyNames } from '../data/toys';
import { writeCsv } from '../data/write-plain';
import { l10n } from './l10n';

export { DATASET_EXTENSIONS, isDatasetFile } from '../data/formats';
export { toyNames, toyInfo };

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
  // The CLI's writer: round-trip digits, so the file reads back as exactly the generated float32 values.
  writeCsv(file, t.condition ? hstack(t.features, t.condition) : t.features);
  return { file, rows, columns: [...t.features.columns, ...(t.condition?.columns ?? [])] };
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

/** Runs previewDataset (src/worker/preview.ts) in a fresh worker (`workerFile`: dist/worker.js) and resolves with its summary. */
export function previewInWorker(workerFile: string, req: PreviewRequest): Promise<DatasetPreview> {
  const worker = new Worker(workerFile, { workerData: { backend: 'cpu', preview: req } });
  const reply = new Reply<DatasetPreview>(undefined, () => void worker.terminate());
  worker.on('message', (m: PreviewReply | { type: string }) => {
    if (m.type === 'preview') reply.resolve((m as Extract<PreviewReply, { type: 'preview' }>).preview);
    else if (m.type === 'preview-error') reply.reject(new Error((m as Extract<PreviewReply, { type: 'preview-error' }>).message));
  });
  worker.on('error', (e) => reply.reject(e));
  worker.on('exit', (code) => reply.reject(new Error(l10n.t('the preview worker exited (code {0})', code))));
  return reply.promise;
}
