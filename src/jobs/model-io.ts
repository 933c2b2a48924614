/**
 * Saved base flows and morph runs: a folder with a JSON description and the flat float32 parameters.
 * Written atomically, file by file (the JSON last, so a folder with model.json is complete).
 *
 *   MODEL_DIR/model.json, weights.bin     a base flow with its preprocessing and column roles
 *   RUN_DIR/run.json, top.bin              a flow for flows: the top flow, its config, and its base models
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FlowConfig, MorphConfig } from '../core/config';
import { Flow } from '../core/flow';
import type { ParamStore } from '../core/params';
import { floatBytes, readFloat32, writeFileAtomicSync, writeJsonAtomicSync } from '../core/io/atomic';
import type { Scaler } from '../data/preprocess';

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
}

export interface LoadedModel {
  meta: ModelMeta;
  flow: Flow;
}

export function saveModel(dir: string, flow: Flow, meta: ModelMeta): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(path.join(dir, 'weights.bin'), floatBytes(flow.store.values));
  writeJsonAtomicSync(path.join(dir, 'model.json'), meta);
}

function readJson(file: string, what: string): any {
  if (!fs.existsSync(file)) throw new Error(`${path.dirname(file)}: not a Flowmorph ${what} folder (no ${path.basename(file)})`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

export function loadModel(dir: string): LoadedModel {
  const meta = readJson(path.join(dir, 'model.json'), 'model') as ModelMeta;
  if (meta.format !== 'flowmorph-model') throw new Error(`${dir}/model.json: not a Flowmorph model (format ${meta.format})`);
  const flow = new Flow(meta.config, meta.seed);
  const w = readFloat32(path.join(dir, 'weights.bin'));
  if (w.length !== flow.store.count) throw new Error(`${dir}/weights.bin: ${w.length} parameters, the model needs ${flow.store.count}`);
  flow.store.setValues(w);
  return { meta, flow };
}

export interface RunMeta {
  format: 'flowmorph-run';
  version: 1;
  config: MorphConfig;
  seed: number;
  features: number;
  conditions: number;
  /** Base model folders, relative to the run folder when inside it. */
  sourceModel: string;
  targetModel: string;
  columns: string[];
  conditionColumns: string[];
  data: { source: string; target: string };
  training: { steps: number; seconds: number; finalLoss: number; valLoss: number; backend: string };
  createdAt: string;
}

/** `weights`: the morph's trained parameters (the top flow, or ot-cfm's velocity field). */
export function saveRun(dir: string, weights: ParamStore, meta: RunMeta): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(path.join(dir, 'top.bin'), floatBytes(weights.values));
  writeJsonAtomicSync(path.join(dir, 'run.json'), meta);
}

export function readRunMeta(dir: string): RunMeta {
  const meta = readJson(path.join(dir, 'run.json'), 'run') as RunMeta;
  if (meta.format !== 'flowmorph-run') throw new Error(`${dir}/run.json: not a Flowmorph run (format ${meta.format})`);
  return meta;
}

export function loadTopWeights(dir: string, weights: ParamStore): void {
  const w = readFloat32(path.join(dir, 'top.bin'));
  if (w.length !== weights.count) throw new Error(`${dir}/top.bin: ${w.length} parameters, the morph needs ${weights.count}`);
  weights.setValues(w);
}

/** A path stored relative to `base` when it lies inside it (so run folders can be moved whole). */
export function relativeIfInside(base: string, p: string): string {
  const rel = path.relative(base, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}
