/**
 * Morph benchmark: the flows-for-flows toy table of anchors.md, with the full `runMorph` job (identity-
 * initialised top flow of the reference size, alternating directions, lr 1e-3, batch 512, cosine), on
 *   four circles → checkerboard (exact W1 ≈ 0.93: a faithful morph must move at least that much) and
 *   checkerboard → checkerboard (two draws, two base flows: the ideal morph barely moves),
 * each without and with an L1 movement penalty of weight 1.
 *
 * Reported per case: mean L2 displacement on 5 000 held-out source points (runMorph's evaluation), fidelity
 * as the exact W1 between 2 000 morphed points and 2 000 held-out target points next to its noise floor
 * (two disjoint target samples) — the reference's "W1(morphed, target)" — plus runMorph's sliced-W1 and
 * energy fidelity with their floors, the exact OT cost source → target, and the base-transfer baseline.
 * The reference trained its morphs for 450 s; the budget here is shorter and recorded with the result.
 */
import * as path from 'path';
import type { PenaltyConfig } from '../src/core/config';
import { displacement, otCost } from '../src/core/metrics';
import type { BackendName } from '../src/core/tf';
import { takeRows, type Matrix } from '../src/data/matrix';
import { generateToy } from '../src/data/toys';
import { heldOutSplit, loadRun, morphRows } from '../src/jobs/evaluate';
import { resolveWith } from '../src/config/experiment';
import { runMorph } from '../src/jobs/morph';
import { fitToy } from './quality';
import { load, round, type Load } from './table';

/** anchors.md, "Flow for flow: what the reference achieves" and the OT table (450-s morphs). */
export const MORPH_REFERENCE = {
  'fourcircles→checkerboard': {
    ot: { w1: 0.928, w2sq: 1.119, w1Floor: 0.198 },
    baseTransfer: { displacement: 1.775, w1: 0.196 },
    none: { displacement: 1.781, w1: 0.227 },
    l1: { displacement: 0.545, w1: 0.527 },
  },
  'checkerboard→checkerboard': {
    ot: { w1: 0.217, w2sq: 0.103, w1Floor: 0.198 },
    baseTransfer: { displacement: 0.963, w1: null },
    none: { displacement: 1.596, w1: null, note: 'scrambles at lr 1e-3' },
    l1: { displacement: '0.012–0.040', w1: 'at the floor' },
  },
} as const;

interface Pair {
  name: keyof typeof MORPH_REFERENCE;
  source: { toy: string; seed: number; model: string };
  target: { toy: string; seed: number; model: string };
}

export interface MorphCase {
  pair: string;
  penalty: 'none' | 'l1';
  steps: number;
  seconds: number;
  displacement: number;
  /** Exact W1(morphed, target) on 2 000 vs 2 000. */
  w1: number;
  slicedW1: number;
  slicedW1Floor: number;
  energy: number;
  energyFloor: number;
  load: Load[];
}

export interface MorphPairResult {
  pair: string;
  /** Exact OT source → target on 2 000 vs 2 000 held-out points, and the W1 noise floor (two target samples). */
  ot: { w1: number; w2sq: number; w1Floor: number };
  baseTransfer: { displacement: number; w1: number; slicedW1: number; slicedW1Floor: number };
  cases: MorphCase[];
  reference: (typeof MORPH_REFERENCE)[keyof typeof MORPH_REFERENCE];
}

const ROWS = 50000; // 10 % held out → 5 000 evaluation points per side, as the reference
const W1_POINTS = 2000;

function heldOut(toyName: string, dataSeed: number, splitSeed: number): Matrix {
  return heldOutSplit(generateToy(toyName, ROWS, dataSeed).features, undefined, 0.1, splitSeed).rows;
}

const first = (m: Matrix, n: number, from = 0) => takeRows(m, Int32Array.from({ length: n }, (_, i) => from + i));
const w1 = (a: Matrix, b: Matrix) => round(otCost(a, b, { p: 1, maxPoints: W1_POINTS }).w1, 4);

async function runPair(pair: Pair, seconds: number, backend: BackendName, work: string, log: (s: string) => void): Promise<MorphPairResult> {
  // Held-out rows exactly as runMorph splits them (train seed 0: source split seed 0, target seed 1).
  const src = first(heldOut(pair.source.toy, pair.source.seed, 0), W1_POINTS);
  const tgt = heldOut(pair.target.toy, pair.target.seed, 1);
  const tA = first(tgt, W1_POINTS);
  const tB = first(tgt, W1_POINTS, W1_POINTS);
  const ot = otCost(src, tA, { maxPoints: W1_POINTS });
  const result: MorphPairResult = {
    pair: pair.name,
    ot: { w1: round(ot.w1, 4), w2sq: round(ot.w2sq, 4), w1Floor: w1(tB, tA) },
    baseTransfer: { displacement: NaN, w1: NaN, slicedW1: NaN, slicedW1Floor: NaN },
    cases: [],
    reference: MORPH_REFERENCE[pair.name],
  };
  for (const kind of ['none', 'l1'] as const) {
    const l0 = load();
    const out = path.join(work, `${pair.name.replace('→', '-to-')}-${kind}`);
    const penalty: Partial<PenaltyConfig> = kind === 'l1' ? { kind: 'l1', weight: 1, anneal: false } : { kind: 'none', weight: 0 };
    log(`morph ${pair.name}, penalty ${kind}, ${seconds} s`);
    const s = await runMorph({
      source: { path: `toy:${pair.source.toy}:${ROWS}:${pair.source.seed}` },
      target: { path: `toy:${pair.target.toy}:${ROWS}:${pair.target.seed}` },
      out,
      sourceModel: pair.source.model,
      targetModel: pair.target.model,
      ...resolveWith({ morph: { penalty, train: { seconds } } }),
      backend,
    });
    const ev = s.evaluation;
    if (!ev) throw new Error(`morph ${pair.name}: no evaluation (cancelled?)`);
    const run = loadRun(out);
    const morphed = morphRows(run, src, {});
    if (kind === 'none') {
      const bt = morphRows(run, src, { baseTransfer: true });
      result.baseTransfer = {
        displacement: round(ev.baseTransfer.displacement.meanL2, 4),
        w1: w1(bt, tA),
        slicedW1: round(ev.baseTransfer.fidelity.slicedW1, 4),
        slicedW1Floor: round(ev.baseTransfer.fidelity.slicedW1Floor, 4),
      };
    }
    run.f4f.dispose();
    const f = ev.morph.fidelity;
    result.cases.push({
      pair: pair.name,
      penalty: kind,
      steps: s.steps,
      seconds: round(s.seconds, 1),
      displacement: round(ev.morph.displacement.meanL2, 4),
      w1: w1(morphed, tA),
      slicedW1: round(f.slicedW1, 4),
      slicedW1Floor: round(f.slicedW1Floor, 4),
      energy: round(f.energy, 5),
      energyFloor: round(f.energyFloor, 5),
      load: [l0, load()],
    });
    // Sanity: the 2 000-point displacement agrees with runMorph's 5 000-point figure to sampling noise.
    log(`  displacement ${ev.morph.displacement.meanL2.toFixed(3)} (2 000 pts: ${displacement(src, morphed).meanL2.toFixed(3)}), W1 to target ${result.cases[result.cases.length - 1].w1}`);
  }
  return result;
}

export interface MorphBenchOptions {
  backend: BackendName;
  /** Budget of each base flow trained here, and of each morph. */
  baseSeconds: number;
  morphSeconds: number;
  /** Scratch folder for models and runs. */
  work: string;
  /** Base flows already fitted (by the quality benchmark) on toy:NAME:100000:1 with train seed 0. */
  models?: { checkerboard?: string; fourcircles?: string };
  log?: (s: string) => void;
}

export async function morphBench(o: MorphBenchOptions): Promise<{ pairs: MorphPairResult[]; baseSeconds: number; morphSeconds: number; baseModels: Record<string, unknown> }> {
  const log = o.log ?? ((s: string) => console.log(s));
  const baseInfo: Record<string, unknown> = {};
  const model = async (key: string, toyName: string, dataSeed: number, trainSeed: number, given?: string) => {
    if (given) return given;
    log(`fitting base flow ${key} (${o.baseSeconds} s)`);
    const dir = path.join(o.work, `base-${key}`);
    const q = await fitToy(toyName, o.baseSeconds, dir, o.backend, dataSeed, trainSeed);
    baseInfo[key] = { nll: q.nll, steps: q.steps, seconds: q.seconds };
    return dir;
  };
  const fc = await model('fourcircles', 'fourcircles', 1, 0, o.models?.fourcircles);
  const cbA = await model('checkerboard', 'checkerboard', 1, 0, o.models?.checkerboard);
  // A second checkerboard flow (other draw, other init) as the identity pair's source, as the reference.
  const cbB = await model('checkerboard-2', 'checkerboard', 2, 1);
  const pairs: Pair[] = [
    { name: 'fourcircles→checkerboard', source: { toy: 'fourcircles', seed: 11, model: fc }, target: { toy: 'checkerboard', seed: 12, model: cbA } },
    { name: 'checkerboard→checkerboard', source: { toy: 'checkerboard', seed: 13, model: cbB }, target: { toy: 'checkerboard', seed: 12, model: cbA } },
  ];
  const results: MorphPairResult[] = [];
  for (const p of pairs) results.push(await runPair(p, o.morphSeconds, o.backend, o.work, log));
  return { pairs: results, baseSeconds: o.baseSeconds, morphSeconds: o.morphSeconds, baseModels: baseInfo };
}

/** The morph results as a Markdown table next to the reference. */
export function morphTable(pairs: MorphPairResult[]): string {
  const lines = [
    '| pair | method | displacement (L2) | W1 to target (floor) | reference displacement | reference W1 |',
    '|---|---|---|---|---|---|',
  ];
  for (const p of pairs) {
    const r = p.reference as any;
    lines.push(`| ${p.pair} | exact OT (least possible) | ${p.ot.w1.toFixed(3)} | floor ${p.ot.w1Floor.toFixed(3)} | ${r.ot.w1} | floor ${r.ot.w1Floor} |`);
    lines.push(`| | base transfer | ${p.baseTransfer.displacement.toFixed(3)} | ${p.baseTransfer.w1.toFixed(3)} | ${r.baseTransfer.displacement} | ${r.baseTransfer.w1 ?? '—'} |`);
    for (const c of p.cases) {
      const ref = r[c.penalty];
      const label = c.penalty === 'none' ? 'flows for flows, no penalty' : 'flows for flows, L1 w = 1';
      lines.push(`| | ${label}, ${c.seconds.toFixed(0)} s (${c.steps} steps) | ${c.displacement.toFixed(3)} | ${c.w1.toFixed(3)} | ${ref.displacement} | ${ref.w1 ?? '—'} |`);
    }
  }
  return lines.join('\n');
}
