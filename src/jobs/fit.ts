/**
 * `fit`: train a base flow on one dataset by maximum likelihood and save it as a model folder.
 */
import { PRESETS, type FlowConfig, type TrainConfig } from '../core/config';
import { initBackend } from '../core/tf';
import { fitScaler } from '../data/preprocess';
import { splitTrainVal } from '../data/split';
import { modelMeta, trainBaseFlow } from './base';
import { checkTrainable } from './checks';
import { loadData } from './data';
import { prepareOutputFolder, saveModel } from './model-io';
import type { FitJob, FitSummary, JobHooks } from './types';

export async function runFit(job: FitJob, hooks: JobHooks = {}): Promise<FitSummary> {
  const backend = await initBackend(job.backend ?? 'auto');
  const data = await loadData(job.data);
  prepareOutputFolder(job.out);
  for (const w of [...data.warnings, ...checkTrainable(job.data.path, data.features)]) hooks.onLog?.(w);
  const preset = PRESETS[job.preset ?? 'fast'];
  const trainConfig: TrainConfig = { ...preset.train, ...job.train };
  const flow: FlowConfig = { ...preset.flow, ...job.flow, features: data.features.cols, context: data.condition?.cols ?? 0 };
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
  };
  hooks.onLog?.(`fit ${data.label}: ${data.features.rows} rows × ${flow.features} features, backend ${backend.name}`);
  const res = await trainBaseFlow(input, hooks);
  saveModel(
    job.out,
    res.flow,
    modelMeta(input, res, { file: job.data.path, rows: data.features.rows, dataset: job.data.dataset }, data.features.columns, data.condition?.columns ?? []),
  );
  res.flow.dispose();
  return {
    out: job.out,
    outsideBound: res.outsideBound,
    trainNll: res.trainNll,
    valNll: res.valNll,
    steps: res.steps,
    seconds: res.seconds,
    backend: backend.name,
    cancelled: res.cancelled,
  };
}
