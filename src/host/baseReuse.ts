/**
 * Reusing base flows across Train Morph runs. A morph run that trains its own base flows (saved in
 * `<run>/source`, `<run>/target`) records, per side, a key: a SHA-256 of the data file (absolute path,
 * size and modification time; a toy's spec), its column roles (features, conditions, dataset, NaN policy)
 * and every setting that shapes the base flow (preset, flow and training configuration, seed, the split
 * of the morph's training settings and the split rule's numbers, whether the flow is conditional, and the preprocessing, which a morph
 * fits on both training sets: so the other side's file is part of it). A later Train Morph with the same
 * key takes that folder instead of training the flow again.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { HELD_OUT_FLOOR_FROM, MIN_HELD_OUT } from '../data/split';
import type { DataSpec } from '../jobs/types';
import type { RunRecord } from './runs';

export type BaseSide = 'source' | 'target';

/** What identifies a file's contents cheaply: its path, size and modification time (a toy: its spec). */
export function fileIdentity(p: string): { path: string; size?: number; mtimeMs?: number } {
  if (/^toy:/i.test(p)) return { path: p };
  const abs = path.resolve(p);
  try {
    const st = fs.statSync(abs);
    return { path: abs, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return { path: abs };
  }
}

/** JSON with object keys sorted, so equal settings give equal text whatever their order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The columns part of a DataSpec (its path is the file part; workspaceRoot does not change the data). */
export function columnsOf(spec: DataSpec): unknown {
  return { columns: spec.columns, conditionColumns: spec.conditionColumns, dataset: spec.dataset, dropNonFinite: spec.dropNonFinite ?? false };
}

/**
 * The split rule's numbers (src/data/split.ts): how many rows a file of a given size holds out. Part of
 * every key, so a flow trained under another rule (keys recorded before the 1 000-row floor had none) is
 * not taken for one trained on the same rows.
 */
export const SPLIT_RULE = { minHeldOut: MIN_HELD_OUT, from: HELD_OUT_FLOOR_FROM };

/** The reuse key of one side's base flow: a hex SHA-256 of its file, columns and settings. */
export function baseFlowKey(file: unknown, columns: unknown, settings: unknown): string {
  return createHash('sha256').update(canonical({ v: 1, file, columns, settings, splitRule: SPLIT_RULE })).digest('hex');
}

/** Both sides' keys of a morph between `source` and `target` with the given base settings. */
export function morphBaseKeys(source: DataSpec, target: DataSpec, settings: unknown): Record<BaseSide, string> {
  const key = (side: BaseSide) => {
    const [me, other] = side === 'source' ? [source, target] : [target, source];
    return baseFlowKey(fileIdentity(me.path), columnsOf(me), { settings, side, preprocessedWith: { file: fileIdentity(other.path), columns: columnsOf(other) } });
  };
  return { source: key('source'), target: key('target') };
}

/** The newest finished morph run that trained this side's base flow under `key`: its model folder. */
export function findReusableBase(runs: RunRecord[], side: BaseSide, key: string): { dir: string; run: RunRecord } | undefined {
  for (const r of runs) {
    if (r.kind !== 'morph' || r.status !== 'done' || r.baseKeys?.[side] !== key) continue;
    const dir = path.join(r.path, side);
    if (fs.existsSync(path.join(dir, 'model.json')) && fs.existsSync(path.join(dir, 'weights.bin'))) return { dir, run: r };
  }
  return undefined;
}
