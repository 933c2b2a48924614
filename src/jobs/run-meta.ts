/**
 * A morph run's description (RUN_DIR/run.json) and its reader, without the engine: the extension host
 * reads run folders through this module, so its bundle (dist/extension.js) loads neither tfjs nor the
 * data writers. Saving and loading the weights is ./model-io.ts's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { show } from '../config/experiment';
import { OT_SPACES, type MorphConfig } from '../core/config';
import { registerInput } from '../data/paths';

export const isCount = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** A Flowmorph folder's JSON, registered as an input (no output of this process may replace it). */
export function readJson(file: string, what: string): any {
  if (!fs.existsSync(file)) throw new Error(`${path.dirname(file)}: not a Flowmorph ${what} folder (no ${path.basename(file)})`);
  try {
    registerInput(file);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
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
  /** SHA-256 (hex) of top.bin as saved with this run.json. */
  topSha256?: string;
  /** The base models' weightsSha256 when the run was trained (a base re-trained since is refused). */
  baseSha256?: { source?: string; target?: string };
}

export function readRunMeta(dir: string): RunMeta {
  const file = path.join(dir, 'run.json');
  const meta = readJson(file, 'run') as RunMeta;
  if (meta === null || typeof meta !== 'object' || meta.format !== 'flowmorph-run')
    throw new Error(`${file}: not a Flowmorph run (format ${meta === null || typeof meta !== 'object' ? typeof meta : meta.format})`);
  if (!isCount(meta.features, 1)) throw new Error(`${file}: features is ${show(meta.features)}, not a positive whole number`);
  if (!isCount(meta.conditions, 0)) throw new Error(`${file}: conditions is ${show(meta.conditions)}, not a whole number ≥ 0`);
  for (const k of ['sourceModel', 'targetModel'] as const) if (typeof meta[k] !== 'string' || meta[k] === '') throw new Error(`${file}: ${k} is ${show(meta[k])}, not a folder`);
  if (meta.config === null || typeof meta.config !== 'object') throw new Error(`${file}: config is missing`);
  // Weights of either space have one size: a misspelt space would load and morph wrongly, so it is refused.
  const space = (meta.config as { ot?: { space?: unknown } }).ot?.space;
  if (space !== undefined && !(OT_SPACES as readonly unknown[]).includes(space))
    throw new Error(`${file}: config.ot.space is ${show(space)}, not one of ${OT_SPACES.join(', ')}`);
  return meta;
}
