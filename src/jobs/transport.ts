/**
 * `transport`: push a dataset through a trained morph (source → target, or back with `inverse`) and
 * write the morphed rows, in the data's units, to a new file (never onto the input). A conditional run's
 * condition columns are taken from its run.json unless the data spec names them; with `withConditions`
 * the output carries them along after the morphed columns (the condition each row was morphed to).
 */
import { initBackend } from '../core/tf';
import { hstack, matrix, type Matrix } from '../data/matrix';
import { writeDataset } from '../data/write';
import { loadData } from './data';
import { loadRun, morphRows } from './evaluate';
import type { TransportJob } from './types';

export async function runTransport(job: TransportJob): Promise<{ out: string; rows: number; inverse: boolean; columns: string[] }> {
  await initBackend(job.backend ?? 'auto');
  const run = loadRun(job.run);
  const spec = { ...job.data };
  if (!spec.conditionColumns && run.meta.conditionColumns.length) spec.conditionColumns = run.meta.conditionColumns;
  let data = await loadData(spec);
  // A file with more columns than the run uses: take the run's feature columns by name.
  if (data.features.cols !== run.meta.features && !spec.columns && run.meta.columns.length === run.meta.features) {
    const byName = await loadData({ ...spec, columns: run.meta.columns }).catch(() => undefined);
    if (byName) data = byName;
  }
  if (data.features.cols !== run.meta.features)
    throw new Error(`${job.data.path} has ${data.features.cols} feature column(s); the run ${job.run} morphs ${run.meta.features}`);
  const C = run.meta.conditions;
  let own: Matrix | undefined;
  let target: Matrix | undefined;
  if (C > 0) {
    if (!data.condition) throw new Error(`${job.data.path}: the run is conditional; give the condition column(s) (${run.meta.conditionColumns.join(', ')})`);
    own = data.condition;
    if (job.targetCondition) {
      if (job.targetCondition.length !== C) throw new Error(`--target-condition needs ${C} value(s), got ${job.targetCondition.length}`);
      const t = new Float32Array(data.features.rows * C);
      for (let i = 0; i < data.features.rows; i++) t.set(job.targetCondition, i * C);
      target = matrix(data.features.rows, C, t, own.columns);
    } else target = own;
  }
  const inverse = job.inverse ?? false;
  const cOut = inverse ? own : target;
  const moved = morphRows(run, data.features, inverse ? { inverse, cIn: target, cOut: own } : { cIn: own, cOut: target });
  const carried = job.withConditions ? (cOut ?? (C === 0 ? data.condition : undefined)) : undefined;
  const out = carried ? hstack(moved, carried) : moved;
  await writeDataset(job.out, out, { protect: [job.data.path] });
  run.f4f.dispose();
  return { out: job.out, rows: out.rows, inverse, columns: out.columns };
}
