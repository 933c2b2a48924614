/**
 * `evaluate`: how good is a morph, next to the base-transfer baseline (encode with the source flow,
 * decode with the target flow)? On held-out rows: NLLs, displacement |g(x) − x|, fidelity of the morphed
 * sample against a target sample together with its noise floor (two independent target samples), and
 * the exact optimal-transport cost between source and target, the least displacement any faithful map
 * can have.
 */
import * as path from 'path';
import { checkArchitecture } from '../config/experiment';
import { RUN_FORMAT_OT } from '../core/config';
import { FlowForFlow, drawsOtherCondition } from '../core/f4f';
import { displacement, fidelity, otCost } from '../core/metrics';
import { meanNll } from '../core/metrics/nll-summary';
import { Rng } from '../core/random';
import { initBackend } from '../core/tf';
import { takeRows, type Matrix } from '../data/matrix';
import { applyScaler } from '../data/preprocess';
import { HELD_OUT_FLOOR_FROM, MIN_HELD_OUT, splitTrainVal, subsampleIndices } from '../data/split';
import { confined } from '../data/paths';
import { loadDataFor } from './data';
import { checkRunBase, loadModel, loadTopWeights, readRunMeta, type LoadedModel, type RunMeta } from './model-io';
import { conditionToMorph, densityInMorphSpace, fromMorph, toMorph, type MorphSpace } from './morph-space';
import type { DataSpec, EvaluateSummary } from './types';

export interface LoadedRun {
  meta: RunMeta;
  f4f: FlowForFlow;
  space: MorphSpace;
  source: LoadedModel;
  target: LoadedModel;
}

/** `workspaceRoot` (the extension's): the base models a run.json names must lie inside it. */
export function loadRun(dir: string, workspaceRoot?: string): LoadedRun {
  const meta = readRunMeta(dir);
  checkArchitecture({ ...meta.config.top, features: meta.features, context: 2 * meta.conditions }, meta.config.train?.batch ?? 1, `${path.join(dir, 'run.json')}: config.top`);
  const resolve = (p: string) => {
    const abs = path.isAbsolute(p) ? p : path.join(dir, p);
    if (workspaceRoot !== undefined && confined(workspaceRoot, dir, abs) === undefined)
      throw new Error(`${path.join(dir, 'run.json')}: names the model ${p}, outside the workspace folder ${workspaceRoot}; Flowmorph only loads models inside it`);
    return abs;
  };
  const source = loadModel(resolve(meta.sourceModel));
  const target = loadModel(resolve(meta.targetModel));
  checkRunBase(dir, meta, 'source', source, resolve(meta.sourceModel));
  checkRunBase(dir, meta, 'target', target, resolve(meta.targetModel));
  for (const [m, side] of [[source, meta.sourceModel], [target, meta.targetModel]] as const)
    if (m.flow.features !== meta.features) throw new Error(`${path.join(dir, 'run.json')}: features is ${meta.features}, but its model ${side} has ${m.flow.features}`);
  const space: MorphSpace = { scaler: source.meta.scaler, conditionScaler: source.meta.conditionScaler };
  // Runs saved before the method setting existed are flows for flows.
  const config = { ...meta.config, method: meta.config.method ?? 'f4f', ot: { ...RUN_FORMAT_OT, ...meta.config.ot } };
  const f4f = new FlowForFlow(
    config,
    densityInMorphSpace(space, source.flow, source.meta.scaler, source.meta.conditionScaler),
    densityInMorphSpace(space, target.flow, target.meta.scaler, target.meta.conditionScaler),
    meta.conditions,
    meta.seed,
  );
  loadTopWeights(dir, f4f.trainable, meta);
  return { meta, f4f, space, source, target };
}

export interface HeldOut {
  source: Matrix;
  target: Matrix;
  sourceCondition?: Matrix;
  targetCondition?: Matrix;
}

/** Morph `x` (data units) through g (or the base transfer), conditions paired as in training. */
export function morphRows(
  run: { f4f: FlowForFlow; space: MorphSpace },
  x: Matrix,
  opts: { inverse?: boolean; baseTransfer?: boolean; cIn?: Matrix; cOut?: Matrix },
): Matrix {
  const xm = toMorph(run.space, x);
  const o = { inverse: opts.inverse, cIn: conditionToMorph(run.space, opts.cIn), cOut: conditionToMorph(run.space, opts.cOut) };
  const y = opts.baseTransfer ? run.f4f.baseTransfer(xm, o) : run.f4f.morph(xm, o);
  return fromMorph(run.space, y, x.columns);
}

/** Conditions to pair with n rows: drawn from the other side in delta / concat modes, else the rows' own. */
export function pairedConditions(run: { f4f: FlowForFlow }, own: Matrix | undefined, other: Matrix | undefined, n: number, seed: number): Matrix | undefined {
  if (!own) return undefined;
  if (!drawsOtherCondition(run.f4f.config.mode) || !other) return own;
  const rng = new Rng(seed);
  return takeRows(other, Int32Array.from({ length: n }, () => rng.int(other.rows)));
}

export function evaluateHeldOut(run: LoadedRun | { f4f: FlowForFlow; space: MorphSpace; source: LoadedModel; target: LoadedModel }, held: HeldOut, n: number, seed: number): EvaluateSummary {
  const k = Math.min(n, held.source.rows);
  const si = subsampleIndices(held.source.rows, k, seed);
  const src = takeRows(held.source, si);
  const srcC = held.sourceCondition ? takeRows(held.sourceCondition, si) : undefined;
  // Two disjoint target samples: one to compare against, one for the noise floor.
  const tPerm = new Rng(seed + 1).permutation(held.target.rows);
  const half = Math.floor(held.target.rows / 2);
  const tA = takeRows(held.target, tPerm.subarray(0, Math.min(half, k)));
  const tB = takeRows(held.target, tPerm.subarray(half, half + Math.min(half, k)));
  const cOut = pairedConditions(run, srcC, held.targetCondition, src.rows, seed + 2);
  const morphed = morphRows(run, src, { cIn: srcC, cOut });
  const transferred = morphRows(run, src, { baseTransfer: true, cIn: srcC, cOut });
  const fopts = { seed, projections: 1000 };
  const nllOf = (m: LoadedModel, x: Matrix, c?: Matrix) => {
    const xs = applyScaler(m.meta.scaler, x);
    const cs = c && m.meta.conditionScaler ? applyScaler(m.meta.conditionScaler, c).data : undefined;
    let s = 0;
    for (let j = 0; j < m.meta.scaler.scale.length; j++) s += Math.log(m.meta.scaler.scale[j]);
    return meanNll(m.flow.logProb(xs.data, m.flow.config.context > 0 ? cs : undefined)) + s;
  };
  const tgtHeld = held.target.rows > k ? takeRows(held.target, tPerm.subarray(0, k)) : held.target;
  const tgtHeldC = held.targetCondition ? (held.target.rows > k ? takeRows(held.targetCondition, tPerm.subarray(0, k)) : held.targetCondition) : undefined;
  const otN = Math.min(1000, src.rows, held.target.rows);
  const otSrc = takeRows(src, subsampleIndices(src.rows, otN, seed + 3));
  const otTgt = takeRows(held.target, subsampleIndices(held.target.rows, otN, seed + 4));
  const ot = otCost(otSrc, otTgt, { seed });
  return {
    n: src.rows,
    ...(src.rows < MIN_HELD_OUT ? { noisy: noisyNote(src.rows) } : {}),
    method: run.f4f.config.method,
    nll: {
      sourceUnderSource: nllOf(run.source, src, srcC),
      targetUnderTarget: nllOf(run.target, tgtHeld, tgtHeldC),
      morphedUnderTarget: nllOf(run.target, morphed, cOut),
    },
    morph: { displacement: displacement(src, morphed), fidelity: fidelity(firstRows(morphed, tA.rows), tA, tB, fopts) },
    baseTransfer: { displacement: displacement(src, transferred), fidelity: fidelity(firstRows(transferred, tA.rows), tA, tB, fopts) },
    ot: { w1: ot.w1, w2sq: ot.w2sq, n: ot.n },
  };
}

/**
 * The first n rows: fidelity compares equal-size samples, so the morphed sample and its noise floor (two
 * target halves) see the same sampling noise.
 */
function firstRows(m: Matrix, n: number): Matrix {
  return n >= m.rows ? m : takeRows(m, Int32Array.from({ length: n }, (_, i) => i));
}

/** Why an evaluation on n < MIN_HELD_OUT rows is noisy, in the words the summary carries. */
export function noisyNote(n: number): string {
  return `noisy estimate: evaluated on only ${n} held-out rows (fewer than ${MIN_HELD_OUT}); floors, OT costs and fidelities vary like 1/√n, so differences below the floors mean nothing (more data, or a larger validation fraction, gives more rows; from ${HELD_OUT_FLOOR_FROM} rows up the split holds out at least ${MIN_HELD_OUT})`;
}

/** The held-out rows of a dataset: the same seeded split training used. */
export function heldOutSplit(features: Matrix, condition: Matrix | undefined, fraction: number, seed: number): { rows: Matrix; condition?: Matrix } {
  const s = splitTrainVal(features, fraction, seed, condition);
  return { rows: s.val, condition: s.valCondition };
}

export async function runEvaluate(job: { run: string; source: DataSpec; target: DataSpec; n?: number; backend?: 'auto' | 'native' | 'wasm' | 'cpu' }): Promise<EvaluateSummary> {
  await initBackend(job.backend ?? 'auto');
  const run = loadRun(job.run, job.source.workspaceRoot);
  const fitted = (m: LoadedModel) => ({ columns: m.meta.columns, conditionColumns: run.meta.conditions ? m.meta.conditionColumns.slice(0, run.meta.conditions) : undefined });
  const [src, tgt] = await Promise.all([loadDataFor(job.source, fitted(run.source), job.run), loadDataFor(job.target, fitted(run.target), job.run)]);
  const t = run.meta.config.train;
  const hs = heldOutSplit(src.features, src.condition, t.validationFraction, t.seed);
  const ht = heldOutSplit(tgt.features, tgt.condition, t.validationFraction, t.seed + 1);
  const out = evaluateHeldOut(run, { source: hs.rows, target: ht.rows, sourceCondition: hs.condition, targetCondition: ht.condition }, job.n ?? 5000, t.seed);
  run.f4f.dispose();
  return out;
}
