/**
 * `transport`: push a dataset through a trained morph (source → target, or back with `inverse`) and
 * write the morphed rows, in the data's units, to a new file (never onto the input). A conditional run's
 * condition columns are taken from its run.json unless the data spec names them; with `withConditions`
 * the output carries them along after the morphed columns (the condition each row was morphed to).
 */
import { initBackend } from '../core/tf';
import { hstack, matrix, type Matrix } from '../data/matrix';
import { writeDataset } from '../data/write';
import { assertFinite } from './checks';
import { loadDataFor } from './data';
import { loadRun, morphRows } from './evaluate';
import type { TransportJob } from './types';

export async function runTransport(job: TransportJob): Promise<{ out: string; rows: number; inverse: boolean; columns: string[] }> {
  await initBackend(job.backend ?? 'auto');
  const run = loadRun(job.run, job.data.workspaceRoot);
  const side = job.inverse ? run.target : run.source;
  const data = await loadDataFor(job.data, { columns: side.meta.columns, conditionColumns: run.meta.conditions ? side.meta.conditionColumns.slice(0, run.meta.conditions) : undefined }, job.run);
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
  assertFinite(moved.data, `${job.run}: morphing ${job.data.path}`, moved.cols);
  const carried = job.withConditions ? (cOut ?? (C === 0 ? data.condition : undefined)) : undefined;
  const out = carried ? hstack(moved, carried) : moved;
  await writeDataset(job.out, out, { protect: [job.data.path] });
  run.f4f.dispose();
  return { out: job.out, rows: out.rows, inverse, columns: out.columns };
}
