/**
 * The training loop shared by base flows and flows for flows: one objective, Adam over the objective's
 * flat parameters, cosine learning-rate decay per step, gradient-norm clipping, a budget in steps, epochs
 * or seconds, periodic validation, progress reports, cancellation within one step, atomic checkpoints
 * and exact resume (batches are a function of seed and step).
 */
import { tf } from '../tf';
import type { TrainConfig } from '../config';
import type { ParamStore } from '../params';
import { floatBytes, readPairedFloat32, writePairSync } from '../../data/atomic';
import { Adam } from './adam';
import { cosine } from './schedule';
import type { Objective } from './objective';
import { openParallel, type ParallelGradient } from './parallel';
import type { StepStats } from './report';
import { stepGradient } from './step';
import * as fs from 'fs';
import * as path from 'path';

// The objective contract lives in ./objective.ts; re-exported for the modules that import it from here.
export type { Objective, ObjectiveRecipe, StepLoss } from './objective';

export interface StepReport extends StepStats {
  gradNorm: number;
  extras: Record<string, number>;
}

export interface TrainHooks {
  onStep?(r: StepReport): void;
  cancelled?(): boolean;
  /** Called every `yieldEveryMs` so a worker can receive messages (cancel) between steps. */
  yieldEveryMs?: number;
  /**
   * Where and how often to checkpoint. `tag` names what is trained (data and configuration): resuming
   * from a checkpoint with another tag is refused.
   */
  checkpoint?: { dir: string; everySec: number; tag?: string };
  /** Resume from `checkpoint.dir` if a checkpoint is there. */
  resume?: boolean;
  /**
   * Threads computing each step's gradient (data parallel, src/core/train/parallel.ts); 1 is the plain
   * single-thread loop. Default: the engine setting `workers` (src/core/settings.ts), else 2 on wasm for batches ≥ 512 with ≥ 4 cores
   * (src/core/train/parallel.ts, resolveWorkers, says why).
   */
  workers?: number;
  /** The parallel worker script (default: src/core/parallel-worker.ts compiled, or beside the bundle). */
  workerScript?: string;
}

export interface TrainResult {
  steps: number;
  seconds: number;
  finalLoss: number;
  valLoss: number;
  cancelled: boolean;
  /** Threads that computed the gradients (1: the plain loop). */
  workers: number;
  history: { step: number; loss: number; valLoss?: number; lr: number }[];
}

/** Total steps the budget allows, or undefined for a wall-time budget. */
export function budgetSteps(cfg: TrainConfig, stepsPerEpoch: number): number | undefined {
  if (cfg.steps !== undefined) return cfg.steps;
  if (cfg.epochs !== undefined) return Math.max(1, Math.round(cfg.epochs * stepsPerEpoch));
  if (cfg.seconds !== undefined) return undefined;
  throw new Error('training budget: give steps, epochs or seconds');
}

const CKPT_META = 'checkpoint.json';
const CKPT_BIN = 'checkpoint.bin';

function saveCheckpoint(dir: string, store: ParamStore, opt: Adam, step: number, elapsed: number, tag?: string): void {
  const n = store.count;
  const all = new Float32Array(3 * n);
  all.set(store.values, 0);
  all.set(opt.state.m, n);
  all.set(opt.state.v, 2 * n);
  writePairSync(dir, CKPT_BIN, floatBytes(all), CKPT_META, { step, adamStep: opt.state.step, elapsedSec: elapsed, parameters: n, ...(tag !== undefined ? { tag } : {}) }, 'sha256');
}

function loadCheckpoint(dir: string, store: ParamStore, opt: Adam, tag?: string): { step: number; elapsed: number } | undefined {
  const metaFile = path.join(dir, CKPT_META);
  if (!fs.existsSync(metaFile)) return undefined;
  const binFile = path.join(dir, CKPT_BIN);
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch (e) {
    throw new Error(`${metaFile}: damaged checkpoint (${(e as Error).message}); remove it to start afresh`);
  }
  const n = store.count;
  if (meta === null || typeof meta !== 'object') throw new Error(`${metaFile}: damaged checkpoint; remove it to start afresh`);
  if (tag !== undefined && meta.tag !== undefined && meta.tag !== tag)
    throw new Error(`${metaFile}: this checkpoint was trained on other data or another configuration; --resume goes on only with the same data and flags (or remove the checkpoint)`);
  if (meta.parameters !== n) throw new Error(`${metaFile}: checkpoint has ${meta.parameters} parameters, model has ${n}; it is from another configuration`);
  if (!fs.existsSync(binFile)) throw new Error(`${binFile}: missing (${CKPT_META} is there without it); remove the checkpoint to start afresh`);
  let all: Float32Array;
  try {
    all = readPairedFloat32(binFile, metaFile, meta.sha256);
  } catch (e) {
    throw new Error(`${(e as Error).message.replace(/; train it again$/, '')}; remove the checkpoint to start afresh`);
  }
  if (all.length !== 3 * n) throw new Error(`${binFile}: ${all.length} values, a checkpoint of ${n} parameters holds ${3 * n}`);
  for (let i = 0; i < all.length; i++) if (!Number.isFinite(all[i])) throw new Error(`${binFile}: value ${i} is ${all[i]}; the checkpoint is damaged (not a training problem): remove it to start afresh`);
  store.setValues(all.subarray(0, n));
  opt.state.m.set(all.subarray(n, 2 * n));
  opt.state.v.set(all.subarray(2 * n, 3 * n));
  opt.state.step = meta.adamStep;
  return { step: meta.step, elapsed: meta.elapsedSec };
}

export async function train(obj: Objective, cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const store = obj.store;
  const opt = new Adam(store.count, store.fullMask());
  const grad = opt.gradient;
  const total = budgetSteps(cfg, obj.stepsPerEpoch);
  const evalEvery = Math.max(1, cfg.evalEvery);
  const history: TrainResult['history'] = [];
  let step = 0;
  let elapsedBefore = 0;
  if (hooks.resume && hooks.checkpoint) {
    const r = loadCheckpoint(hooks.checkpoint.dir, store, opt, hooks.checkpoint.tag);
    if (r) {
      step = r.step;
      elapsedBefore = r.elapsed;
    }
  }
  const t0 = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;
  const fraction = () => (total !== undefined ? step / total : elapsed() / (cfg.seconds as number));
  let lastYield = performance.now();
  let lastCkpt = performance.now();
  let emaMs = 0;
  let lastLoss = NaN;
  let lastVal = NaN;
  let cancelled = false;
  const par: ParallelGradient | undefined = await openParallel(obj, hooks);

  try {
    while (total !== undefined ? step < total : elapsed() < (cfg.seconds as number)) {
      if (hooks.cancelled?.()) {
        cancelled = true;
        break;
      }
      const ts = performance.now();
      const lr = cfg.cosine ? cosine(cfg.lr, fraction()) : cfg.lr;
      let extraVals: Record<string, number> = {};
      if (par) {
        const r = await par.compute(step, fraction(), store.values, grad);
        lastLoss = r.loss;
        extraVals = r.extras;
      } else {
        const r = stepGradient(obj, step, fraction(), undefined, grad, false); // masked by the optimizer
        lastLoss = r.loss;
        extraVals = r.extras;
      }
      if (!Number.isFinite(lastLoss)) throw new Error(`training diverged at step ${step}: loss is ${lastLoss} (try a lower learning rate)`);
      const gradNorm = opt.step(store.values, lr, cfg.clip);
      store.touch();
      step++;
      const ms = performance.now() - ts;
      emaMs = emaMs === 0 ? ms : 0.9 * emaMs + 0.1 * ms;
      let valLoss: number | undefined;
      if (obj.validate && step % evalEvery === 0) valLoss = lastVal = obj.validate();
      history.push({ step, loss: lastLoss, valLoss, lr });
      hooks.onStep?.({
        step,
        epoch: Math.floor((step - 1) / obj.stepsPerEpoch),
        loss: lastLoss,
        valLoss,
        lr,
        msPerStep: emaMs,
        samplesPerSec: (1000 * obj.samplesPerStep) / emaMs,
        elapsedSec: elapsed(),
        gradNorm,
        extras: extraVals,
      });
      if (hooks.checkpoint && performance.now() - lastCkpt > hooks.checkpoint.everySec * 1000) {
        saveCheckpoint(hooks.checkpoint.dir, store, opt, step, elapsed(), hooks.checkpoint.tag);
        lastCkpt = performance.now();
      }
      if (performance.now() - lastYield > (hooks.yieldEveryMs ?? 50)) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  } finally {
    // Workers end with the run, whether it finished, was cancelled or threw.
    await par?.close();
    obj.close?.();
  }
  if (obj.validate && (history.length === 0 || history[history.length - 1].valLoss === undefined)) lastVal = obj.validate();
  if (hooks.checkpoint) saveCheckpoint(hooks.checkpoint.dir, store, opt, step, elapsed(), hooks.checkpoint.tag);
  return { steps: step, seconds: elapsed(), finalLoss: lastLoss, valLoss: lastVal, cancelled, workers: par?.threads ?? 1, history };
}
