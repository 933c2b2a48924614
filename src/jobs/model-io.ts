/**
 * Saved base flows and morph runs: a folder with a JSON description and the flat float32 parameters.
 * Written atomically, file by file, the JSON last; the JSON holds the SHA-256 of the weights it was saved
 * with, so a folder whose two files come from different saves (a kill between the two renames) is
 * refused on load instead of pairing old metadata with new weights. Loading validates every field a
 * damaged or hand-edited file could break (non-finite or huge weights, a zero scale), naming the file and
 * the field, and registers the files as inputs so no output of the same process can replace them.
 *
 *   MODEL_DIR/model.json, weights.bin     a base flow with its preprocessing and column roles
 *   RUN_DIR/run.json, top.bin              a flow for flows: the top flow, its config, and its base models
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkArchitecture } from '../config/experiment';
import type { FlowConfig, MorphConfig } from '../core/config';
import { Flow } from '../core/flow';
import { cleanStaleTemps, floatBytes, readPairedFloat32, writePairSync } from '../data/atomic';
import { checkOutputFolder } from '../data/outputs';
import { isInside, registerInput } from '../data/paths';
import type { ParamStore } from '../core/params';
import type { Scaler } from '../data/preprocess';
import { isCount, readJson, readRunMeta, type RunMeta } from './run-meta';

export { readRunMeta, type RunMeta };

export interface ModelMeta {
  format: 'flowmorph-model';
  version: 1;
  config: FlowConfig;
  seed: number;
  columns: string[];
  conditionColumns: string[];
  scaler: Scaler;
  conditionScaler?: Scaler;
  /** The data it was fitted on, and how training went. */
  data: { file: string; rows: number; dataset?: string };
  training: { steps: number; seconds: number; trainNll: number; valNll: number; backend: string; lr: number; batch: number };
  createdAt: string;
  /** SHA-256 (hex) of weights.bin as saved with this model.json (absent in models saved before it). */
  weightsSha256?: string;
}

export interface LoadedModel {
  meta: ModelMeta;
  flow: Flow;
}

/** Files a model folder holds (checkpoints included), checked before training starts. */
export const MODEL_FILES = ['model.json', 'weights.bin', 'checkpoint.json', 'checkpoint.bin'];
/** Files a run folder holds besides its base model folders. */
export const RUN_FILES = ['run.json', 'top.bin', 'checkpoint.json', 'checkpoint.bin'];

/**
 * Before any training: `dir` can hold a model or run (`files`), without replacing or entering an input;
 * temp files a killed run left there are removed.
 */
export function prepareOutputFolder(dir: string, files: readonly string[] = MODEL_FILES, protect: readonly string[] = []): void {
  checkOutputFolder(dir, files, protect);
  cleanStaleTemps(dir);
}

export function saveModel(dir: string, flow: Flow, meta: ModelMeta): void {
  meta.weightsSha256 = writePairSync(dir, 'weights.bin', floatBytes(flow.store.values), 'model.json', meta, 'weightsSha256');
}

/** Reads a weights file written with `json`; checks its hash, size and values. */
function readWeights(jsonFile: string, file: string, expectSha: unknown, count: number, what: string): Float32Array {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (${path.basename(jsonFile)} is there without its weights)`);
  registerInput(file);
  const w = readPairedFloat32(file, jsonFile, expectSha);
  if (w.length !== count) throw new Error(`${file}: ${w.length} parameters, ${what} needs ${count}`);
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (!Number.isFinite(v)) throw new Error(`${file}: parameter ${i} is ${v}; the weights are damaged (not a training problem): train the model again`);
    if (Math.abs(v) > MAX_WEIGHT) throw new Error(`${file}: parameter ${i} is ${v}, beyond ±${MAX_WEIGHT}; the weights are damaged: train the model again`);
  }
  return w;
}

/** No trained conditioner weight comes near this; beyond it a forward pass overflows float32. */
const MAX_WEIGHT = 1e6;


export function loadModel(dir: string): LoadedModel {
  const file = path.join(dir, 'model.json');
  const meta = readJson(file, 'model') as ModelMeta;
  if (meta === null || typeof meta !== 'object' || meta.format !== 'flowmorph-model')
    throw new Error(`${file}: not a Flowmorph model (format ${meta === null || typeof meta !== 'object' ? typeof meta : meta.format})`);
  checkModelMeta(file, meta);
  // The experiment schema's bounds and memory estimate, before anything is allocated.
  checkArchitecture(meta.config, meta.training?.batch ?? 1, `${file}: config`);
  let flow: Flow;
  try {
    flow = new Flow(meta.config, meta.seed);
  } catch (e) {
    throw new Error(`${file}: config does not describe a flow Flowmorph can build (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    flow.store.setValues(readWeights(file, path.join(dir, 'weights.bin'), meta.weightsSha256, flow.store.count, 'the model'));
  } catch (e) {
    flow.dispose();
    throw e;
  }
  return { meta, flow };
}

/** A field's value for a message (`missing` when absent). */
const show = (v: unknown) => JSON.stringify(v) ?? 'missing';


/** The fields a damaged or hand-edited model.json could break; throws naming the file and the field. */
export function checkModelMeta(file: string, meta: ModelMeta): void {
  const bad = (field: string, what: string): never => {
    throw new Error(`${file}: ${field} ${what}`);
  };
  const c = meta.config as unknown as Record<string, unknown>;
  if (c === null || typeof c !== 'object') bad('config', 'is missing');
  for (const k of ['features', 'stacks', 'hidden', 'bins']) if (!isCount(c[k], k === 'bins' ? 2 : 1)) bad(`config.${k}`, `is ${show(c[k])}, not a positive whole number`);
  for (const k of ['context', 'blocks']) if (!isCount(c[k], 0)) bad(`config.${k}`, `is ${show(c[k])}, not a whole number ≥ 0`);
  if (!(typeof c.bound === 'number' && Number.isFinite(c.bound) && c.bound > 0)) bad('config.bound', `is ${show(c.bound)}, not a positive number`);
  const F = c.features as number;
  const C = c.context as number;
  const names = (field: string, v: unknown, n: number) => {
    if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== 'string')) bad(field, `must list ${n} column name(s), got ${show(v)}`);
  };
  names('columns', meta.columns, F);
  // A morph's base flows may ignore the data's conditions (mode none): at least C names, not exactly C.
  const cc = meta.conditionColumns ?? [];
  if (!Array.isArray(cc) || cc.length < C || cc.some((x) => typeof x !== 'string')) bad('conditionColumns', `must list ${C} column name(s), got ${show(cc)}`);
  checkScaler(file, 'scaler', meta.scaler, F);
  if (C > 0 && meta.conditionScaler !== undefined) checkScaler(file, 'conditionScaler', meta.conditionScaler, C);
}

function checkScaler(file: string, field: string, s: Scaler | undefined, n: number): void {
  if (s === null || typeof s !== 'object') throw new Error(`${file}: ${field} is missing`);
  for (const k of ['shift', 'scale'] as const) {
    const a = s[k] as unknown;
    if (!Array.isArray(a) || a.length !== n) throw new Error(`${file}: ${field}.${k} must hold ${n} number(s), got ${show(a)}`);
    a.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: ${field}.${k}[${i}] is ${show(v)}, not a finite number`);
      if (k === 'scale' && !(v > 0)) throw new Error(`${file}: ${field}.scale[${i}] is ${v}; a scale must be > 0`);
      if (Math.abs(v) > 1e30) throw new Error(`${file}: ${field}.${k}[${i}] is ${v}, too large for float32 data`);
    });
  }
}


/** `weights`: the morph's trained parameters (the top flow, or ot-cfm's velocity field). */
export function saveRun(dir: string, weights: ParamStore, meta: RunMeta): void {
  writePairSync(dir, 'top.bin', floatBytes(weights.values), 'run.json', meta, 'topSha256');
}

/**
 * A morph re-run into an existing run folder first removes the old run.json: until the new run is saved
 * the folder holds no run, rather than an old run.json beside base models that are being replaced.
 */
export function retireRun(dir: string): void {
  fs.rmSync(path.join(dir, 'run.json'), { force: true });
}

/** Refuses a run whose base model was re-trained (its weights replaced) after the run was saved. */
export function checkRunBase(dir: string, meta: RunMeta, side: 'source' | 'target', model: LoadedModel, modelDir: string): void {
  const want = meta.baseSha256?.[side];
  if (want !== undefined && model.meta.weightsSha256 !== undefined && want !== model.meta.weightsSha256)
    throw new Error(`${path.join(dir, 'run.json')}: its ${side} model ${modelDir} has been re-trained since the run was saved; run morph again`);
}


export function loadTopWeights(dir: string, weights: ParamStore, meta?: RunMeta): void {
  weights.setValues(readWeights(path.join(dir, 'run.json'), path.join(dir, 'top.bin'), meta?.topSha256, weights.count, 'the morph'));
}

/** A path stored relative to `base` when it lies inside it (so run folders can be moved whole). */
export function relativeIfInside(base: string, p: string): string {
  return isInside(base, p) ? path.relative(base, p) : path.resolve(p);
}
