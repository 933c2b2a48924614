/**
 * Training one base flow by maximum likelihood, shared by `fit` and by `morph` (which trains the base
 * flows it is not given). Handles preprocessing, the seeded train/validation split, progress and plot
 * snapshots, checkpoints, and reports NLLs in the data's own units.
 */
import { createHash } from 'crypto';
import type { FlowConfig, TrainConfig } from '../core/config';
import { Flow } from '../core/flow';
import { meanNll } from '../core/metrics/nll-summary';
import { NllObjective } from '../core/objectives/nll';
import { Rng } from '../core/random';
import { backendInfo } from '../core/tf';
import { train, type StepReport } from '../core/train/trainer';
import { matrix, type Matrix } from '../data/matrix';
import { applyScaler, fractionOutside, invertScaler, logDetScaler, type Scaler } from '../data/preprocess';
import { subsample } from '../data/split';
import type { ModelMeta } from './model-io';
import type { CurveLog } from './record';
import type { JobHooks, Progress, Snapshot } from './types';

export interface BaseFlowInput {
  phase: Progress['phase'];
  train: Matrix;
  val: Matrix;
  trainCondition?: Matrix;
  valCondition?: Matrix;
  scaler: Scaler;
  conditionScaler?: Scaler;
  flow: FlowConfig;
  trainConfig: TrainConfig;
  /** Checkpoint folder (the model folder). */
  dir?: string;
  resume?: boolean;
  /** Every step's report goes here too (the run record's curves.jsonl). */
  curves?: CurveLog;
}

export interface BaseFlowResult {
  flow: Flow;
  /** Per feature, the share of held-out rows (after preprocessing) outside the spline's ±bound. */
  outsideBound: number[];
  trainNll: number;
  valNll: number;
  steps: number;
  seconds: number;
  cancelled: boolean;
  /** Gradient threads the trainer used (data parallel), for the run record. */
  workers: number;
}

/** Throttles progress / snapshot callbacks to their configured rates. */
export class Throttle {
  private last = -Infinity;
  constructor(private readonly everyMs: number) {}
  ready(force = false): boolean {
    const now = performance.now();
    if (!force && now - this.last < this.everyMs) return false;
    this.last = now;
    return true;
  }
}

export async function trainBaseFlow(input: BaseFlowInput, hooks: JobHooks): Promise<BaseFlowResult> {
  const cfg = input.trainConfig;
  const xs = applyScaler(input.scaler, input.train);
  const xv = applyScaler(input.scaler, input.val);
  const cs = input.trainCondition && input.conditionScaler ? applyScaler(input.conditionScaler, input.trainCondition) : undefined;
  const cv = input.valCondition && input.conditionScaler ? applyScaler(input.conditionScaler, input.valCondition) : undefined;
  const flow = new Flow(input.flow, cfg.seed);
  // Points beyond ±bound only see the linear tails: a large share means the preprocessing does not fit.
  const outsideBound = fractionOutside(xv.rows > 0 ? xv : xs, input.flow.bound);
  const worst = Math.max(...outsideBound);
  if (worst > 0.01)
    hooks.onLog?.(`warning: ${(100 * worst).toFixed(1)}% of held-out values lie outside the spline's ±${input.flow.bound} after preprocessing (linear tails only there)`);
  const valSet = xv.rows > 0 ? { x: xv.data, c: cv?.data, rows: xv.rows } : undefined;
  const obj = new NllObjective(flow, { x: xs.data, c: cs?.data, rows: xs.rows }, valSet, cfg.batch, cfg.seed);
  const unitShift = -logDetScaler(input.scaler); // NLL in data units = NLL in flow units − log|det scaler|
  const progress = new Throttle(hooks.progressEveryMs ?? 250);
  const snap = new Throttle(hooks.snapshotEveryMs ?? 1000);
  const plotPoints = hooks.plotPoints ?? 2000;
  const dataCloud = subsample(input.train, plotPoints, cfg.seed);
  const dataCond = input.trainCondition ? subsample(input.trainCondition, plotPoints, cfg.seed) : undefined;
  const snapshot = (step: number) => {
    if (!hooks.onSnapshot) return;
    const s = sampleFlow(flow, dataCloud.rows, input.scaler, input.conditionScaler, dataCond, cfg.seed + step);
    const key = input.phase === 'target' ? 'target' : 'source';
    const clouds: Snapshot['clouds'] = { [key]: dataCloud.data, [key === 'target' ? 'targetModel' : 'sourceModel']: s };
    hooks.onSnapshot({ phase: input.phase, step, cols: input.train.cols, clouds });
  };
  const r = await train(obj, cfg, {
    cancelled: hooks.cancelled,
    checkpoint: input.dir ? { dir: input.dir, everySec: 30, tag: trainingTag(input) } : undefined,
    resume: input.resume,
    onStep: (s) => {
      const p = progressOf(input.phase, s, unitShift);
      input.curves?.add(p);
      if (hooks.onProgress && (s.valLoss !== undefined || progress.ready())) {
        hooks.onProgress(p);
      }
      if (snap.ready()) snapshot(s.step);
    },
  });
  snapshot(r.steps);
  const trainNll = meanNll(flow.logProb(xs.data.subarray(0, Math.min(xs.rows, 20000) * xs.cols), cs?.data.subarray(0, Math.min(xs.rows, 20000) * (cs?.cols ?? 0)))) + unitShift;
  return { flow, outsideBound, trainNll, valNll: r.valLoss + unitShift, steps: r.steps, seconds: r.seconds, cancelled: r.cancelled, workers: r.workers };
}

/** What a checkpoint was trained on: the rows, their preprocessing and the flow (resume refuses others). */
function trainingTag(input: BaseFlowInput): string {
  const h = createHash('sha256');
  for (const m of [input.train, input.val, input.trainCondition, input.valCondition]) if (m) h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  h.update(JSON.stringify([input.flow, input.scaler, input.conditionScaler ?? null]));
  return h.digest('hex').slice(0, 32);
}

/**
 * The job-level progress report of a trainer step. `unitShift` moves NLLs into the data's units (base
 * flows); the morph's extras (per-direction losses, displacement, penalty weight) pass through.
 */
export function progressOf(phase: Progress['phase'], s: StepReport, unitShift = 0): Progress {
  return {
    phase,
    step: s.step,
    epoch: s.epoch,
    loss: s.loss + unitShift,
    valLoss: s.valLoss !== undefined ? s.valLoss + unitShift : undefined,
    lr: s.lr,
    msPerStep: s.msPerStep,
    samplesPerSec: s.samplesPerSec,
    elapsedSec: s.elapsedSec,
    lossForward: s.extras.lossForward,
    lossInverse: s.extras.lossInverse,
    displacement: s.extras.displacement,
    penaltyWeight: s.extras.penaltyWeight,
  };
}

/** n samples of a flow in data units (conditions: given rows, preprocessed by the condition scaler). */
export function sampleFlow(flow: Flow, n: number, scaler: Scaler, conditionScaler: Scaler | undefined, condition: Matrix | undefined, seed: number): Float32Array {
  const c = condition && conditionScaler ? applyScaler(conditionScaler, condition).data : undefined;
  const z = flow.sample(n, new Rng(seed), c);
  return invertScaler(scaler, matrix(n, flow.features, z, scaler.columns)).data;
}

export function modelMeta(
  input: BaseFlowInput,
  res: BaseFlowResult,
  data: { file: string; rows: number; dataset?: string },
  columns: string[],
  conditionColumns: string[],
): ModelMeta {
  return {
    format: 'flowmorph-model',
    version: 1,
    config: input.flow,
    seed: input.trainConfig.seed,
    columns,
    conditionColumns,
    scaler: input.scaler,
    conditionScaler: input.conditionScaler,
    data,
    training: {
      steps: res.steps,
      seconds: res.seconds,
      trainNll: res.trainNll,
      valNll: res.valNll,
      backend: backendInfo()?.name ?? 'unknown',
      lr: input.trainConfig.lr,
      batch: input.trainConfig.batch,
    },
    createdAt: new Date().toISOString(),
  };
}
