/**
 * `morph`: train a flow for flows from a source dataset to a target dataset. Base flows that are not
 * given are trained first (sharing one preprocessing, fitted on both training sets) and saved inside the
 * run folder; then the top flow is trained with the configured context mode, direction and movement
 * penalty, the run is saved, and it is evaluated on held-out rows next to the base-transfer baseline.
 */
import * as path from 'path';
import { checkArchitecture } from '../config/experiment';
import type { FlowConfig, TrainConfig } from '../core/config';
import { distilPartners } from '../core/distil';
import { checkMethodSettings, FlowForFlow } from '../core/f4f';
import { initBackend } from '../core/tf';
import { train } from '../core/train/trainer';
import { matrix, takeRows, type Matrix } from '../data/matrix';
import { fitScaler, type Scaler } from '../data/preprocess';
import { splitTrainVal, subsampleIndices } from '../data/split';
import { modelMeta, progressOf, sampleFlow, Throttle, trainBaseFlow } from './base';
import { checkTrainable } from './checks';
import { loadData, type LoadedData } from './data';
import { evaluateHeldOut, morphRows, pairedConditions } from './evaluate';
import { loadModel, MODEL_FILES, prepareOutputFolder, relativeIfInside, retireRun, RUN_FILES, saveModel, saveRun, type LoadedModel } from './model-io';
import { conditionToMorph, densityInMorphSpace, toMorph, type MorphSpace } from './morph-space';
import { CurveLog, replayNote, trained, writeRecord, type Trained } from './record';
import type { JobHooks, MorphJob, MorphSummary, Snapshot } from './types';

function vstack(a: Matrix, b: Matrix): Matrix {
  const out = new Float32Array((a.rows + b.rows) * a.cols);
  out.set(a.data);
  out.set(b.data, a.data.length);
  return matrix(a.rows + b.rows, a.cols, out, a.columns);
}

export async function runMorph(job: MorphJob, hooks: JobHooks = {}): Promise<MorphSummary> {
  const backend = await initBackend(job.backend ?? 'auto');
  const cfg = job.morph;
  checkMethodSettings(cfg);
  const [src, tgt] = await Promise.all([loadData(job.source), loadData(job.target)]);
  checkPair(src, tgt, job);
  for (const [d, spec] of [[src, job.source], [tgt, job.target]] as const) for (const w of [...d.warnings, ...checkTrainable(spec.path, d.features)]) hooks.onLog?.(w);
  // Before any training: given models load and fit the data; every output path can be written.
  const given = (dir: string | undefined, side: string) => {
    if (!dir) return undefined;
    const model = loadModel(dir);
    if (model.flow.features !== src.features.cols) throw new Error(`${path.join(dir, 'model.json')}: the ${side} model has ${model.flow.features} features, the data ${src.features.cols}`);
    // Context mode none gives the frozen base flows no condition: a conditional base model cannot serve.
    if (job.morph.mode === 'none' && model.flow.config.context > 0)
      throw new Error(`${path.join(dir, 'model.json')}: the ${side} model is conditional (${model.flow.config.context} condition column(s)), but context mode 'none' gives base flows no condition; choose a condition mode (delta, concat, two-bases, two-bases-shared) or a base model without conditions`);
    return model;
  };
  const givenModels = { source: given(job.sourceModel, 'source'), target: given(job.targetModel, 'target') };
  const baseFiles = (side: string, m: unknown) => (m ? [] : MODEL_FILES.map((f) => `${side}/${f}`));
  prepareOutputFolder(job.out, [...RUN_FILES, ...baseFiles('source', givenModels.source), ...baseFiles('target', givenModels.target)]);
  retireRun(job.out);
  const C = src.condition?.cols ?? 0;
  const baseTrain: TrainConfig = job.base.train;
  const baseFlow = (features: number, context: number): FlowConfig => ({ ...job.base.flow, features, context });
  // Refuse an architecture that cannot fit before anything trains.
  if (!job.sourceModel || !job.targetModel) checkArchitecture(baseFlow(src.features.cols, cfg.mode === 'none' ? 0 : C), baseTrain.batch, 'base.flow');
  checkArchitecture({ ...cfg.top, features: src.features.cols, context: cfg.mode === 'none' ? 0 : 2 * C }, cfg.train.batch, 'morph.top');
  const t = cfg.train;
  const ss = splitTrainVal(src.features, t.validationFraction, t.seed, src.condition);
  const ts = splitTrainVal(tgt.features, t.validationFraction, t.seed + 1, tgt.condition);

  // Base flows: given, or trained here with one shared preprocessing so morph space is the same for both.
  const shared: { scaler: Scaler; conditionScaler?: Scaler } = {
    scaler: fitScaler(vstack(ss.train, ts.train), 'minmax'),
    conditionScaler: ss.trainCondition && ts.trainCondition ? fitScaler(vstack(ss.trainCondition, ts.trainCondition), 'zscore') : undefined,
  };
  const curves = new CurveLog();
  const baseTrained: Record<string, Trained> = {};
  const baseModel = async (given: string | undefined, side: 'source' | 'target', split: typeof ss, data: LoadedData): Promise<{ dir: string; model: LoadedModel }> => {
    if (given) return { dir: given, model: givenModels[side]! };
    const dir = path.join(job.out, side);
    const input = {
      phase: side,
      train: split.train,
      val: split.val,
      trainCondition: split.trainCondition,
      valCondition: split.valCondition,
      scaler: shared.scaler,
      conditionScaler: shared.conditionScaler,
      flow: baseFlow(src.features.cols, cfg.mode === 'none' ? 0 : C),
      trainConfig: { ...baseTrain, seed: baseTrain.seed + (side === 'target' ? 1 : 0) },
      dir,
      curves,
    };
    hooks.onLog?.(`training the ${side} base flow on ${data.label} (${split.train.rows} rows)`);
    const res = await trainBaseFlow(input, hooks);
    baseTrained[side] = trained(input.trainConfig, res);
    const meta = modelMeta(input, res, { file: side === 'source' ? job.source.path : job.target.path, rows: data.features.rows }, data.features.columns, data.condition?.columns ?? []);
    saveModel(dir, res.flow, meta);
    return { dir, model: { meta, flow: res.flow } };
  };
  const sourceBase = await baseModel(job.sourceModel, 'source', ss, src);
  if (hooks.cancelled?.()) return cancelledSummary(job, sourceBase.dir, '', backend.name);
  const targetBase = await baseModel(job.targetModel, 'target', ts, tgt);
  if (hooks.cancelled?.()) return cancelledSummary(job, sourceBase.dir, targetBase.dir, backend.name);
  for (const [m, side] of [[sourceBase.model, 'source'], [targetBase.model, 'target']] as const) {
    if (m.flow.features !== src.features.cols) throw new Error(`${side} model has ${m.flow.features} features, the data ${src.features.cols}`);
  }

  const space: MorphSpace = { scaler: sourceBase.model.meta.scaler, conditionScaler: sourceBase.model.meta.conditionScaler };
  const f4f = new FlowForFlow(
    cfg,
    densityInMorphSpace(space, sourceBase.model.flow, sourceBase.model.meta.scaler, sourceBase.model.meta.conditionScaler),
    densityInMorphSpace(space, targetBase.model.flow, targetBase.model.meta.scaler, targetBase.model.meta.conditionScaler),
    cfg.mode === 'none' ? 0 : C,
    t.seed,
  );
  f4f.pairWeights = Float32Array.from(space.scaler.scale, (s) => s * s);
  const sample = (m: Matrix, c?: Matrix) => ({ x: toMorph(space, m), c: cfg.mode === 'none' ? undefined : conditionToMorph(space, c), rows: m.rows });
  const srcTrain = sample(ss.train, ss.trainCondition);
  const tgtTrain = sample(ts.train, ts.trainCondition);
  const tObjective = performance.now();
  const obj = f4f.objective(srcTrain, tgtTrain, {
    src: sample(ss.val, ss.valCondition),
    tgt: sample(ts.val, ts.valCondition),
  });
  // ot.space latent encodes every training row with its base flow first: that is part of the morph's time.
  const prepSeconds = f4f.latent ? (performance.now() - tObjective) / 1000 : 0;

  // Plot clouds: fixed seeded subsamples of all rows (a small file's held-out share would be a sparse
  // picture); the numbers (evaluation) use held-out rows only.
  const plotN = hooks.plotPoints ?? 2000;
  const run = { f4f, space };
  const si = subsampleIndices(src.features.rows, plotN, t.seed);
  const ti = subsampleIndices(tgt.features.rows, plotN, t.seed + 1);
  const pSrc = takeRows(src.features, si);
  const pTgt = takeRows(tgt.features, ti);
  const pSrcC = src.condition && cfg.mode !== 'none' ? takeRows(src.condition, si) : undefined;
  const pTgtC = tgt.condition && cfg.mode !== 'none' ? takeRows(tgt.condition, ti) : undefined;
  const fwdC = pairedConditions(run, pSrcC, pTgtC, pSrc.rows, t.seed + 2);
  const invC = pairedConditions(run, pTgtC, pSrcC, pTgt.rows, t.seed + 3);
  const held = {
    source: ss.val,
    target: ts.val,
    sourceCondition: cfg.mode === 'none' ? undefined : ss.valCondition,
    targetCondition: cfg.mode === 'none' ? undefined : ts.valCondition,
  };
  const morphRun = { f4f, space, source: sourceBase.model, target: targetBase.model };
  // Live evaluation for the panel's curves (displacement against the OT cost, fidelity against its floor
  // as the morph trains): on LIVE_EVAL_ROWS held-out rows, at most every evaluateEveryMs, with a snapshot.
  // It reads the morph and changes nothing it trains (the CLI, which takes no snapshots, skips it).
  const liveEval = new Throttle(hooks.evaluateEveryMs ?? 10_000);
  liveEval.ready();
  let firstSnapshot = true;
  const snapshot = (step: number, live = true) => {
    if (!hooks.onSnapshot) return;
    const clouds: Snapshot['clouds'] = {
      morphed: morphRows(run, pSrc, { cIn: pSrcC, cOut: fwdC }).data,
      morphedInverse: morphRows(run, pTgt, { inverse: true, cIn: invC, cOut: pTgtC }).data,
    };
    if (firstSnapshot) {
      clouds.source = pSrc.data;
      clouds.target = pTgt.data;
      clouds.baseTransfer = morphRows(run, pSrc, { baseTransfer: true, cIn: pSrcC, cOut: fwdC }).data;
      const sm = sourceBase.model;
      const tm = targetBase.model;
      clouds.sourceModel = sampleFlow(sm.flow, pSrc.rows, sm.meta.scaler, sm.meta.conditionScaler, sm.flow.config.context ? pSrcC : undefined, t.seed + 5);
      clouds.targetModel = sampleFlow(tm.flow, pTgt.rows, tm.meta.scaler, tm.meta.conditionScaler, tm.flow.config.context ? pTgtC : undefined, t.seed + 6);
      firstSnapshot = false;
    }
    const evaluation = live && step > 0 && liveEval.ready() ? evaluateHeldOut(morphRun, held, LIVE_EVAL_ROWS, t.seed) : undefined;
    hooks.onSnapshot({ phase: 'morph', step, cols: pSrc.cols, clouds, ...(evaluation ? { evaluation } : {}) });
  };
  snapshot(0);
  const progress = new Throttle(hooks.progressEveryMs ?? 250);
  const snap = new Throttle(hooks.snapshotEveryMs ?? 1000);
  snap.ready();
  hooks.onLog?.(`training the morph: method ${cfg.method}${f4f.hasDensity ? '' : ' (no density: a velocity field, inverted by integrating backwards)'}, mode ${cfg.mode}, direction ${cfg.direction}, penalty ${cfg.penalty.kind}${cfg.penalty.kind !== 'none' ? ` ${cfg.penalty.weight}${cfg.penalty.anneal ? ' (annealed)' : ''}` : ''}, identity init ${cfg.top.identityInit}`);
  // cfm-f4f first trains a velocity field and takes its transport as the top flow's partners (src/core/distil.ts).
  const distil = cfg.method === 'cfm-f4f' ? await distilPartners(f4f, srcTrain, tgtTrain, t, { cancelled: hooks.cancelled, onLog: hooks.onLog }) : undefined;
  const secondsOnly = t.steps === undefined && t.epochs === undefined && t.seconds !== undefined;
  const budget = distil ? distil.flowTrain : secondsOnly && prepSeconds > 0 ? { ...t, seconds: Math.max(0, (t.seconds as number) - prepSeconds) } : t;
  const trainedFlow = await train(obj, budget, {
    cancelled: hooks.cancelled,
    checkpoint: { dir: job.out, everySec: 30 },
    onStep: (s) => {
      const p = progressOf('morph', s);
      curves.add(p);
      if (hooks.onProgress && (s.valLoss !== undefined || progress.ready())) {
        hooks.onProgress(p);
      }
      if (snap.ready()) snapshot(s.step);
    },
  });
  // Steps and seconds of the whole morph: with cfm-f4f, the field's and the top flow's together.
  const r = distil
    ? { ...trainedFlow, steps: distil.fieldSteps + trainedFlow.steps, seconds: distil.seconds + trainedFlow.seconds }
    : { ...trainedFlow, seconds: prepSeconds + trainedFlow.seconds };
  snapshot(r.steps, false); // the final evaluation follows
  saveRun(job.out, f4f.trainable, {
    format: 'flowmorph-run',
    version: 1,
    config: cfg,
    seed: t.seed,
    features: src.features.cols,
    conditions: cfg.mode === 'none' ? 0 : C,
    sourceModel: relativeIfInside(job.out, sourceBase.dir),
    targetModel: relativeIfInside(job.out, targetBase.dir),
    columns: src.features.columns,
    conditionColumns: src.condition?.columns ?? [],
    data: { source: job.source.path, target: job.target.path },
    baseSha256: { source: sourceBase.model.meta.weightsSha256, target: targetBase.model.meta.weightsSha256 },
    training: { steps: r.steps, seconds: r.seconds, finalLoss: r.finalLoss, valLoss: r.valLoss, backend: backend.name },
    createdAt: new Date().toISOString(),
  });
  const evaluation = r.cancelled
    ? undefined
    : evaluateHeldOut(morphRun, held, 5000, t.seed);
  f4f.dispose();
  const morphTrained = trained(t, r);
  const replay = replayNote([
    ...(['source', 'target'] as const).filter((k) => baseTrained[k]).map((k) => ({ name: `the ${k} base flow`, flag: '--base-steps', t: baseTrained[k] })),
    { name: 'the morph', flag: '--steps', t: morphTrained },
  ]);
  if (replay) hooks.onLog?.(replay.note);
  writeRecord(
    job.out,
    {
      kind: 'morph',
      config: { base: job.base, morph: cfg },
      data: { source: job.source, target: job.target },
      seeds: { sourceBase: baseTrain.seed, targetBase: baseTrain.seed + 1, morph: t.seed, sourceSplit: t.seed, targetSplit: t.seed + 1 },
      trained: { ...baseTrained, morph: morphTrained },
      models: { source: relativeIfInside(job.out, sourceBase.dir), target: relativeIfInside(job.out, targetBase.dir) },
      replay,
      workers: r.workers,
    },
    curves,
    evaluation,
  );
  return {
    out: job.out,
    sourceModel: sourceBase.dir,
    targetModel: targetBase.dir,
    steps: r.steps,
    seconds: r.seconds,
    backend: backend.name,
    cancelled: r.cancelled,
    finalLoss: r.finalLoss,
    method: cfg.method,
    evaluation,
    replay,
  };
}

/** Held-out rows of the live evaluation during training (the final one takes up to 5 000). */
export const LIVE_EVAL_ROWS = 1000;

function cancelledSummary(job: MorphJob, s: string, t: string, backend: string): MorphSummary {
  return { out: job.out, sourceModel: s, targetModel: t, steps: 0, seconds: 0, backend, cancelled: true, finalLoss: NaN };
}

function checkPair(src: LoadedData, tgt: LoadedData, job: MorphJob): void {
  if (src.features.cols !== tgt.features.cols)
    throw new Error(`${job.source.path} has ${src.features.cols} feature column(s) but ${job.target.path} has ${tgt.features.cols}`);
  if (!!src.condition !== !!tgt.condition) {
    const [has, lacks] = src.condition ? [job.source.path, job.target.path] : [job.target.path, job.source.path];
    throw new Error(`${has} has condition column(s) but ${lacks} has none`);
  }
  if (job.morph.mode !== 'none' && !src.condition)
    throw new Error(`context mode '${job.morph.mode}' needs condition columns in ${job.source.path} and ${job.target.path}`);
}
