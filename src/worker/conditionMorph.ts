/**
 * The condition slider, live: pushes source rows through a trained conditional morph to one target
 * condition, and picks the target rows whose condition lies in a bin around it, so the panel's plots,
 * marginals and ratios show the morph at that condition against the data at that condition. Runs in the
 * training worker (a 'conditionMorph' job).
 */
import { matrix, takeRows } from '../data/matrix';
import { subsampleIndices } from '../data/split';
import { loadData } from '../jobs/data';
import { loadRun, morphRows } from '../jobs/evaluate';
import type { ConditionMorphJob } from '../protocol/worker';

export interface ConditionMorphResult {
  cols: number;
  clouds: { source: Float32Array; target: Float32Array; morphed: Float32Array; baseTransfer: Float32Array };
  condition: number[];
  /** Per condition column, the [low, high] bin the target rows were taken from. */
  bin: [number, number][];
  /** Target rows in the bin (before subsampling to n). */
  targetRows: number;
}

/** Rows of a condition matrix inside the bin around `value` (±`frac`/2 of each column's range). */
export function rowsInBin(cond: { rows: number; cols: number; data: Float32Array }, value: number[], frac: number): { rows: number[]; bin: [number, number][] } {
  const { rows: n, cols: k, data } = cond;
  const bin: [number, number][] = [];
  for (let j = 0; j < k; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < n; r++) {
      const v = data[r * k + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const half = ((hi - lo) * frac) / 2;
    bin.push([value[j] - half, value[j] + half]);
  }
  const rows: number[] = [];
  for (let r = 0; r < n; r++) {
    let inside = true;
    for (let j = 0; j < k && inside; j++) inside = data[r * k + j] >= bin[j][0] && data[r * k + j] <= bin[j][1];
    if (inside) rows.push(r);
  }
  return { rows, bin };
}

export async function conditionMorph(job: ConditionMorphJob): Promise<ConditionMorphResult> {
  const run = loadRun(job.run);
  const [src, tgt] = await Promise.all([loadData(job.source), loadData(job.target)]);
  if (!src.condition || !tgt.condition) throw new Error('the experiment has no condition columns: nothing for the slider to set');
  const k = src.condition.cols;
  if (job.condition.length !== k) throw new Error(`${job.condition.length} condition value(s) for ${k} condition column(s)`);
  const idx = subsampleIndices(src.features.rows, Math.min(job.n, src.features.rows), 0);
  const x = takeRows(src.features, idx);
  const cIn = takeRows(src.condition, idx);
  const cOut = matrix(x.rows, k, Float32Array.from({ length: x.rows * k }, (_, i) => job.condition[i % k]), src.condition.columns.slice());
  const morphed = morphRows(run, x, { cIn, cOut });
  const baseTransfer = morphRows(run, x, { baseTransfer: true, cIn, cOut });
  const { rows, bin } = rowsInBin(tgt.condition, job.condition, job.binFraction ?? 0.2);
  const pick = rows.length > job.n ? Array.from(subsampleIndices(rows.length, job.n, 1), (i) => rows[i]) : rows;
  const target = takeRows(tgt.features, pick);
  return { cols: x.cols, clouds: { source: x.data, target: target.data, morphed: morphed.data, baseTransfer: baseTransfer.data }, condition: job.condition, bin, targetRows: rows.length };
}
