/**
 * Base-flow quality after a 60-second budget, as the reference measured it (bench/table.ts): the reference
 * architecture, lr 1e-3, batch 512, cosine decay over the budget, then the held-out NLL of 20 000 fresh
 * points in data units, next to the true entropy.
 *
 * Method: the product path. `runFit` (src/jobs/fit.ts) on `toy:NAME:100000:1` with the 'fast' preset and a
 * seconds budget — min-max scaling to [−3, 3], 10 % validation every 100 steps, checkpoints — then the saved
 * model scores 20 000 points of a fresh seed, with the scaler's log-determinant so the NLL is in data units.
 * The saved models are reused as the base flows of the morph benchmark.
 */
import * as path from 'path';
import { nllSummary } from '../src/core/metrics/nll-summary';
import type { BackendName } from '../src/core/tf';
import { applyScaler, logDetScaler } from '../src/data/preprocess';
import { generateToy, toyInfo } from '../src/data/toys';
import { resolveWith } from '../src/config/experiment';
import { runFit } from '../src/jobs/fit';
import { loadModel } from '../src/jobs/model-io';
import { load, round, type Load } from './table';

export const QUALITY_METHOD =
  'runFit (fast preset: lr 1e-3, batch 512, cosine over the budget, min-max scaling to ±3) on toy:NAME:100000:1, ' +
  'then NLL in data units of 20 000 fresh points (seed 7) scored by the saved model';

export interface Quality {
  nll: number;
  stderr: number;
  entropy: number;
  steps: number;
  seconds: number;
  /** runFit's own validation NLL (10 % split of the training draw). */
  valNll: number;
  model: string;
  /** FLOWMORPH_WORKERS when set; otherwise the trainer's default applies (2 threads on wasm at batch ≥ 256). */
  workers: string;
  load: Load[];
}

/** Held-out NLL (nats, data units) of `n` fresh points of a toy under a saved model. */
export function scoreModel(dir: string, toyName: string, n: number, seed: number): { nll: number; stderr: number } {
  const m = loadModel(dir);
  const x = applyScaler(m.meta.scaler, generateToy(toyName, n, seed).features);
  const s = nllSummary(m.flow.logProb(x.data), logDetScaler(m.meta.scaler));
  m.flow.dispose();
  return { nll: s.mean, stderr: s.stderr };
}

/** Fit a base flow on a toy for `seconds`, save it under `dir`, score it. */
export async function fitToy(toyName: string, seconds: number, dir: string, backend: BackendName, dataSeed = 1, trainSeed = 0): Promise<Quality> {
  const l0 = load();
  const r = await runFit({
    data: { path: `toy:${toyName}:100000:${dataSeed}` },
    out: dir,
    ...resolveWith({ base: { preset: 'fast', train: { seconds, seed: trainSeed } } }).base,
    backend,
  });
  const s = scoreModel(dir, toyName, 20000, 7);
  return {
    nll: round(s.nll, 4),
    stderr: round(s.stderr, 4),
    entropy: toyInfo(toyName).entropy as number,
    steps: r.steps,
    seconds: round(r.seconds, 1),
    valNll: round(r.valNll, 4),
    model: path.resolve(dir),
    workers: process.env.FLOWMORPH_WORKERS ?? 'trainer default',
    load: [l0, load()],
  };
}
