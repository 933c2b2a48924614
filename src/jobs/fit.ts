/**
 * `fit`: train a base flow on one dataset by maximum likelihood and save it as a model folder.
 */
import { checkArchitecture } from '../config/experiment';
import type { FlowConfig, TrainConfig } from '../core/config';
import { initBackend } from '../core/tf';
import { fitScaler } from '../data/preprocess';
import { splitTrainVal } from '../data/split';
import { modelMeta, trainBaseFlow } from './base';
import { checkTrainable } from './checks';
import { loadData } from './data';
import { prepareOutputFolder, saveModel } from './model-io';
import { CurveLog, replayNote, trained, writeRecord } from './record';
import type { FitJob, FitSummary, JobHooks } from './types';

export async function runFit(job: FitJob, hooks: JobHooks = {}): Promise<FitSummary> {
  const backend = await initBackend(job.backend ?? 'auto');
  const data = await loadData(job.data);
  prepareOutputFolder(job.out);
  for (const w of [...data.warnings, ...checkTrainable(job.data.path, data.features)]) hooks.onLog?.(w);
  const trainConfig: TrainConfig = job.train;
  const flow: FlowConfig = { ...job.flow, features: data.features.cols, context: data.condition?.cols ?? 0 };
  checkArchitecture(flow, trainConfig.batch, 'flow');
  const split = splitTrainVal(data.features, trainConfig.validationFraction, trainConfig.seed, data.condition);
  const input = {
    phase: 'fit' as const,
    train: split.train,
    val: split.val,
    trainCondition: split.trainCondition,
    valCondition: split.valCondition,
    scaler: fitScaler(split.train, 'minmax'),
    conditionScaler: split.trainCondition ? fitScaler(split.trainCondition, 'zscore') : undefined,
    flow,
    trainConfig,
    dir: job.out,
    resume: job.resume,
    curves: new CurveLog(),
  };
  hooks.onLog?.(`fit ${data.label}: ${data.features.rows} rows × ${flow.features} features, backend ${backend.name}`);
  const res = await trainBaseFlow(input, hooks);
  saveModel(
    job.out,
    res.flow,
    modelMeta(input, res, { file: job.data.path, rows: data.features.rows, dataset: job.data.dataset }, data.features.columns, data.condition?.columns ?? []),
  );
  res.flow.dispose();
  const t = trained(trainConfig, res);
  const replay = replayNote([{ name: 'the base flow', flag: '--steps', t }]);
  if (replay) hooks.onLog?.(replay.note);
  writeRecord(
    job.out,
    { kind: 'fit', config: { base: { flow: job.flow, train: trainConfig } }, data: { data: job.data }, seeds: { train: trainConfig.seed, split: trainConfig.seed }, trained: { base: t }, replay, workers: res.workers },
    input.curves,
  );
  return {
    out: job.out,
    outsideBound: res.outsideBound,
    trainNll: res.trainNll,
    valNll: res.valNll,
    steps: res.steps,
    seconds: res.seconds,
    backend: backend.name,
    cancelled: res.cancelled,
    replay,
  };
}
