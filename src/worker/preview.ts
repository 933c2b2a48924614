/**
 * "Preview Dataset", the part that reads: runs in the worker (src/worker/main.ts started with
 * `workerData.preview` by previewInWorker in datasets.ts), never on the extension host's thread; the
 * dataset readers (h5wasm, hyparquet) are bundled only there. The summaries and histograms are computed
 * here (src/data/summary.ts), so the view receives a few numbers per column, not the data.
 */
import { readDataset } from '../data/read';
import { summarizeColumns } from '../data/summary';
import type { DatasetPreview } from '../protocol/preview';
import type { PreviewRequest } from '../protocol/worker';

/** Rows shown in the view's "First rows" table. */
export const HEAD_ROWS = 5;

/**
 * Reads a dataset with the engine's readers (src/data/read.ts) and summarises it, with the column roles
 * given (the experiment's, when it uses the file). Rows with NaN / ±Inf are kept (counted per column,
 * with a warning), so a file training would refuse can still be looked at.
 */
export async function previewDataset(file: string, opts: Omit<PreviewRequest, 'file'> = {}): Promise<DatasetPreview> {
  const d = await readDataset(file, { ...opts, keepNonFinite: true });
  const f = d.features;
  const c = d.condition;
  const head: number[][] = [];
  for (let r = 0; r < Math.min(HEAD_ROWS, f.rows); r++) {
    const row = Array.from(f.data.subarray(r * f.cols, (r + 1) * f.cols));
    if (c) row.push(...c.data.subarray(r * c.cols, (r + 1) * c.cols));
    head.push(row);
  }
  return {
    file,
    rows: f.rows,
    columns: f.columns,
    conditionColumns: c?.columns ?? [],
    stats: [...summarizeColumns(f), ...(c ? summarizeColumns(c) : [])],
    head,
    warnings: d.warnings,
  };
}
