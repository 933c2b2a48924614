/**
 * "Preview Dataset", the part that reads: runs in the worker (src/worker/main.ts started with
 * `workerData.preview` by previewInWorker in datasets.ts), never on the extension host's thread; the
 * dataset readers (h5wasm, hyparquet) are bundled only there.
 */
import type { Matrix } from '../data/matrix';
import { readDataset } from '../data/read';
import type { ColumnStats, DatasetPreview } from '../protocol/worker';

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
  const d = await readDataset(file, { dataset: opts.dataset, workspaceRoot: opts.workspaceRoot });
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
