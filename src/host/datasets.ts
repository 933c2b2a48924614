/**
 * Dataset files from the host's side: which extensions count as data (the Explorer entries), writing a
 * toy dataset as CSV, and running Preview Dataset's reading in a worker. The summary is made in the worker
 * (src/worker/preview.ts): the readers (h5wasm, hyparquet) are not in the extension's bundle and no file is
 * parsed on the extension host's thread; src/host/previewPanel.ts shows it.
 */
import { Worker } from 'worker_threads';
import { hstack } from '../data/matrix';
import { Reply } from '../protocol/reply';
import type { DatasetPreview } from '../protocol/preview';
import type { PreviewReply, PreviewRequest } from '../protocol/worker';
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
