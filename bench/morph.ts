/**
 * Morph benchmark (issue #10): every morph method with its default settings, a fixed budget each (60 s),
 * on six pairs, with the base transfer beside it:
 *   four circles → checkerboard, checkerboard → four circles, eight-star → concentric rings,
 *   checkerboard → checkerboard (two draws: the ideal morph barely moves),
 *   two Gaussians (closed-form OT map T(x) = m₂ + A(x − m₁)),
 *   a 5-D conditional dijet-like pair (a mass-like condition; shapes and correlations shift with it),
 *   morphed in the two-bases-shared condition mode.
 *
 * Per case, on 2 000 held-out source points and 2 000 + 2 000 held-out target points (disjoint): mean L2
 * displacement over the exact OT cost W1 (source → target, 2 000 vs 2 000), fidelity as the exact W1
 * between morphed and target over its noise floor (W1 between the two target samples), the same for the
 * inverse (target → source), steps and seconds. The Gaussian pair adds the RMS distance to the closed-form
 * map relative to the map's RMS displacement; the conditional pair adds, per condition quartile, the
 * displacement over the base transfer's and the fidelity over its floor. The base flows of each pair are
 * trained once by the first morph (runMorph) and reused by the others.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_MORPH, MORPH_METHODS, type MorphMethod } from '../src/core/config';
import { displacement, otCost, w1Sorted1d } from '../src/core/metrics';
import { Rng } from '../src/core/random';
import type { BackendName } from '../src/core/tf';
import { matrix, takeRows, type Matrix } from '../src/data/matrix';
import { loadData } from '../src/jobs/data';
import { heldOutSplit, loadRun, morphRows } from '../src/jobs/evaluate';
import { resolveWith } from '../src/config/experiment';
import { runMorph } from '../src/jobs/morph';
import type { ContextMode } from '../src/core/config';
import type { DataSpec } from '../src/jobs/types';
import { load, round, type Load } from './table';

const ROWS = 40000; // 10 % held out → 4 000 per side: 2 000 to morph / compare, 2 000 for the floor
const N = 2000;

/** Two Gaussians with a known OT map (in the data's units, squared Euclidean cost). */
export const GAUSS = {
  m1: [-1, 0.5],
  S1: [
    [1.0, 0.6],
    [0.6, 0.8],
  ],
  m2: [1, -0.5],
  S2: [
    [0.5, -0.3],
    [-0.3, 1.5],
  ],
};

type M2 = number[][];
const mul = (a: M2, b: M2): M2 => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
/** Square root of a symmetric positive definite 2 × 2 matrix (closed form). */
function sqrt2(S: M2): M2 {
  const det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
  const s = Math.sqrt(det);
  const t = Math.sqrt(S[0][0] + S[1][1] + 2 * s);
  return [
    [(S[0][0] + s) / t, S[0][1] / t],
    [S[1][0] / t, (S[1][1] + s) / t],
  ];
}
function inv2(S: M2): M2 {
  const det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
  return [
    [S[1][1] / det, -S[0][1] / det],
    [-S[1][0] / det, S[0][0] / det],
  ];
}
/** A = S1^−½ (S1^½ S2 S1^½)^½ S1^−½: the OT map between N(m1, S1) and N(m2, S2) is m2 + A(x − m1). */
export function gaussianOtMatrix(S1: M2, S2: M2): M2 {
  const r = sqrt2(S1);
  const ri = inv2(r);
  return mul(mul(ri, sqrt2(mul(mul(r, S2), r))), ri);
}

/** Rows of N(m, S) via the Cholesky factor. */
export function gaussianRows(n: number, m: number[], S: M2, seed: number): Matrix {
  const rng = new Rng(seed);
  const l11 = Math.sqrt(S[0][0]);
  const l21 = S[1][0] / l11;
  const l22 = Math.sqrt(S[1][1] - l21 * l21);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    out[2 * i] = m[0] + l11 * a;
    out[2 * i + 1] = m[1] + l21 * a + l22 * b;
  }
  return matrix(n, 2, out, ['x1', 'x2']);
}

/**
 * A dijet-like pair: condition m (a dijet mass, TeV-like, falling spectrum on [2.9, 4.1]) and five
 * features (a jet mass, a mass difference, two subjettiness ratios, an angular distance) whose shapes and
 * correlations shift with m; "data" differs from "simulation" in means, widths, skew and correlations.
 */
export function dijetRows(n: number, data: boolean, seed: number): { features: Matrix; condition: Matrix } {
  const rng = new Rng(seed);
  const f = new Float32Array(5 * n);
  const c = new Float32Array(n);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  for (let i = 0; i < n; i++) {
    const m = 2.9 + 1.2 * rng.uniform() ** 1.6;
    const s = m - 3.5;
    const [a, b, d, e, g] = [rng.normal(), rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    let f1, f2, f3, f4, f5;
    if (!data) {
      f1 = 0.5 + 0.15 * s + 0.12 * a;
      f2 = Math.abs(0.2 * b + 0.05 * s) + 0.1 * f1;
      f3 = sig(0.6 * d + 0.3 * s);
      f4 = 0.6 * f3 + 0.4 * sig(0.8 * e);
      f5 = 2.5 + 0.3 * Math.abs(g) - 0.1 * s;
    } else {
      f1 = 0.55 + 0.25 * s + 0.1 * a * (1 + 0.4 * s) + 0.04 * a * a;
      f2 = Math.abs(0.25 * b + 0.1 * s) + 0.2 * f1 * (1 + s);
      f3 = sig(0.7 * d + 0.5 * s + 0.3 + 0.3 * a);
      f4 = 0.4 * f3 + 0.6 * sig(0.8 * e - 0.3 * s) + 0.05;
      f5 = 2.6 + 0.25 * Math.abs(g) - 0.2 * s + 0.3 * (f1 - 0.5);
    }
    f.set([f1, f2, f3, f4, f5], 5 * i);
    c[i] = m;
  }
  return { features: matrix(n, 5, f, ['mj1', 'dmjj', 'tau21_j1', 'tau21_j2', 'drjj']), condition: matrix(n, 1, c, ['mjj']) };
}

/**
 * A lower bound on the mean L2 displacement of ANY morph that keeps each row's mjj and lands on the data
 * (the conditional pair), over rows with mjj in [lo, hi): for each mjj, displacement ≥ W1(sim | mjj,
 * data | mjj) ≥ W1 of any one-dimensional projection (projections are 1-Lipschitz). Taken from large
 * fresh samples of both generators, in narrow mjj slices (equal counts), as the largest projected W1 over
 * the five axes and 59 random directions, less the same statistic between two sim samples (the estimate's
 * own upward bias), averaged over the slices.
 */
const boundCache = new Map<string, number>();
export function dijetMoveBound(lo: number, hi: number, rows = 400000, slices = 20): number {
  const key = `${lo},${hi},${rows},${slices}`;
  const known = boundCache.get(key);
  if (known !== undefined) return known;
  const inRange = (d: { features: Matrix; condition: Matrix }) => {
    const idx: number[] = [];
    for (let i = 0; i < d.condition.rows; i++) if (d.condition.data[i] >= lo && d.condition.data[i] < hi) idx.push(i);
    idx.sort((a, b) => d.condition.data[a] - d.condition.data[b]);
    return { x: d.features.data, idx };
  };
  const [sim, dat, sim2] = [dijetRows(rows, false, 901), dijetRows(rows, true, 902), dijetRows(rows, false, 903)].map(inRange);
  const D = 5;
  const rng = new Rng(904);
  const dirs: number[][] = Array.from({ length: D }, (_, k) => Array.from({ length: D }, (_, j) => (j === k ? 1 : 0)));
  for (let k = 0; k < 59; k++) {
    const v = Array.from({ length: D }, () => rng.normal());
    const n = Math.hypot(...v);
    dirs.push(v.map((a) => a / n));
  }
  const project = (x: Float32Array, idx: number[], dir: number[]) => Float64Array.from(idx, (i) => dir.reduce((s, w, j) => s + w * x[i * D + j], 0)).sort();
  const maxSliced = (p: { x: Float32Array; idx: number[] }, q: { x: Float32Array; idx: number[] }, from: number, to: number, fromQ: number, toQ: number) => {
    const m = Math.min(to - from, toQ - fromQ);
    const pi = p.idx.slice(from, from + m);
    const qi = q.idx.slice(fromQ, fromQ + m);
    return Math.max(...dirs.map((d) => w1Sorted1d(project(p.x, pi, d), project(q.x, qi, d))));
  };
  let total = 0;
  for (let s = 0; s < slices; s++) {
    const cut = (d: { idx: number[] }) => [Math.floor((s * d.idx.length) / slices), Math.floor(((s + 1) * d.idx.length) / slices)];
    const [a0, a1] = cut(sim);
    const [b0, b1] = cut(dat);
    const [c0, c1] = cut(sim2);
    total += maxSliced(sim, dat, a0, a1, b0, b1) - maxSliced(sim, sim2, a0, a1, c0, c1);
  }
  boundCache.set(key, total / slices);
  return total / slices;
}

function writeCsv(file: string, m: Matrix, cond?: Matrix): void {
  const cols = [...m.columns, ...(cond?.columns ?? [])];
  const lines = [cols.join(',')];
  for (let i = 0; i < m.rows; i++) {
    const r: string[] = [];
    for (let j = 0; j < m.cols; j++) r.push(m.data[i * m.cols + j].toPrecision(7));
    if (cond) for (let j = 0; j < cond.cols; j++) r.push(cond.data[i * cond.cols + j].toPrecision(7));
    lines.push(r.join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export interface PairDef {
  name: string;
  source: DataSpec;
  target: DataSpec;
  mode?: ContextMode;
  kind: 'toy' | 'gaussian' | 'conditional';
}

/** The pairs; `write` writes the data files of the Gaussian and dijet pairs into `work` (else only names them). */
export function benchPairs(work: string, write = true): PairDef[] {
  const g1 = path.join(work, 'gauss-a.csv');
  const g2 = path.join(work, 'gauss-b.csv');
  const d1 = path.join(work, 'dijet-sim.csv');
  const d2 = path.join(work, 'dijet-data.csv');
  if (write) {
    fs.mkdirSync(work, { recursive: true });
    writeCsv(g1, gaussianRows(ROWS, GAUSS.m1, GAUSS.S1, 21));
    writeCsv(g2, gaussianRows(ROWS, GAUSS.m2, GAUSS.S2, 22));
    const sim = dijetRows(ROWS, false, 31);
    const dat = dijetRows(ROWS, true, 32);
    writeCsv(d1, sim.features, sim.condition);
    writeCsv(d2, dat.features, dat.condition);
  }
  const toy = (t: string, seed: number): DataSpec => ({ path: `toy:${t}:${ROWS}:${seed}` });
  const cond = (p: string): DataSpec => ({ path: p, conditionColumns: ['mjj'] });
  return [
    { name: 'fourcircles→checkerboard', source: toy('fourcircles', 11), target: toy('checkerboard', 12), kind: 'toy' },
    { name: 'checkerboard→fourcircles', source: toy('checkerboard', 13), target: toy('fourcircles', 14), kind: 'toy' },
    { name: 'eightstar→concentricrings', source: toy('eightstar', 15), target: toy('concentricrings', 16), kind: 'toy' },
    { name: 'checkerboard→checkerboard', source: toy('checkerboard', 17), target: toy('checkerboard', 12), kind: 'toy' },
    { name: 'gaussian→gaussian (closed-form OT)', source: { path: g1 }, target: { path: g2 }, kind: 'gaussian' },
    { name: 'dijet sim→data (5-D, condition mjj)', source: cond(d1), target: cond(d2), mode: 'two-bases-shared', kind: 'conditional' },
  ];
}

export interface Figures {
  /** Mean L2 displacement over the exact OT cost W1 (2 000 vs 2 000). */
  displacement: number;
  dispOverOt: number;
  /** Exact W1(morphed, target) over W1(target B, target A). */
  w1: number;
  fidOverFloor: number;
  /** The inverse (target → source): W1(g⁻¹(target), source) over the source floor. */
  inverseFidOverFloor?: number;
  /** Gaussian pair: RMS distance to the closed-form map / the map's RMS displacement. */
  rmsToMap?: number;
  /** Conditional pair, per condition quartile. */
  bins?: {
    range: [number, number];
    rows: number;
    dispOverBase: number;
    fidOverFloor: number;
    baseFidOverFloor: number;
    /** dijetMoveBound over the base transfer's displacement: no morph that lands can move less than this × base. */
    boundOverBase: number;
  }[];
}

export interface MorphCase extends Figures {
  method: MorphMethod;
  default: boolean;
  steps: number;
  seconds: number;
  load: Load[];
}

export interface MorphPairResult {
  pair: string;
  ot: { w1: number; w1Floor: number; sourceFloor: number };
  baseTransfer: Figures;
  cases: MorphCase[];
  /** The goal of issue #10 for the default method, item by item. */
  goal?: Record<string, boolean>;
}

const w1 = (a: Matrix, b: Matrix) => otCost(a, b, { p: 1, maxPoints: N }).w1;
const rowsOf = (m: Matrix, from: number, n: number) => takeRows(m, Int32Array.from({ length: n }, (_, i) => from + i));

interface Held {
  src: Matrix;
  srcB: Matrix;
  srcC?: Matrix;
  tA: Matrix;
  tB: Matrix;
  tAC?: Matrix;
  tBC?: Matrix;
}

async function heldOutRows(p: PairDef): Promise<Held> {
  const [s, t] = await Promise.all([loadData(p.source), loadData(p.target)]);
  // The rows runMorph holds out (train seed 0: source split seed 0, target seed 1).
  const hs = heldOutSplit(s.features, s.condition, 0.1, 0);
  const ht = heldOutSplit(t.features, t.condition, 0.1, 1);
  return {
    src: rowsOf(hs.rows, 0, N),
    srcB: rowsOf(hs.rows, N, N),
    srcC: hs.condition ? rowsOf(hs.condition, 0, N) : undefined,
    tA: rowsOf(ht.rows, 0, N),
    tB: rowsOf(ht.rows, N, N),
    tAC: ht.condition ? rowsOf(ht.condition, 0, N) : undefined,
    tBC: ht.condition ? rowsOf(ht.condition, N, N) : undefined,
  };
}

function figures(p: PairDef, h: Held, ot: MorphPairResult['ot'], morphed: Matrix, inverse: Matrix | undefined, base?: Matrix): Figures {
  const disp = displacement(h.src, morphed).meanL2;
  const fw = w1(morphed, h.tA);
  const f: Figures = { displacement: round(disp, 4), dispOverOt: round(disp / ot.w1, 3), w1: round(fw, 4), fidOverFloor: round(fw / ot.w1Floor, 3) };
  if (inverse) f.inverseFidOverFloor = round(w1(inverse, h.src) / ot.sourceFloor, 3);
  if (p.kind === 'gaussian') {
    const A = gaussianOtMatrix(GAUSS.S1, GAUSS.S2);
    let err = 0;
    let mv = 0;
    for (let i = 0; i < h.src.rows; i++) {
      const x = [h.src.data[2 * i] - GAUSS.m1[0], h.src.data[2 * i + 1] - GAUSS.m1[1]];
      const T = [GAUSS.m2[0] + A[0][0] * x[0] + A[0][1] * x[1], GAUSS.m2[1] + A[1][0] * x[0] + A[1][1] * x[1]];
      err += (morphed.data[2 * i] - T[0]) ** 2 + (morphed.data[2 * i + 1] - T[1]) ** 2;
      mv += (T[0] - h.src.data[2 * i]) ** 2 + (T[1] - h.src.data[2 * i + 1]) ** 2;
    }
    f.rmsToMap = round(Math.sqrt(err / mv), 4);
  }
  if (p.kind === 'conditional' && h.srcC && h.tAC && h.tBC) {
    // Condition quartiles of the source; target rows binned by their own condition. In each bin the
    // morphed rows, target sample A and target sample B (the floor: W1(B, A)) are cut to one size, so the
    // fidelity and its floor are W1 distances between samples of equal sizes (W1's sampling bias depends
    // on both sizes; a floor between two halves of A against a morph of twice as many rows reads low).
    const cs = Array.from(h.srcC.data).sort((a, b) => a - b);
    const edges = [cs[0] - 1e-6, cs[Math.floor(cs.length / 4)], cs[Math.floor(cs.length / 2)], cs[Math.floor((3 * cs.length) / 4)], cs[cs.length - 1] + 1e-6];
    f.bins = [];
    for (let b = 0; b < 4; b++) {
      const inBin = (c: Matrix) => Int32Array.from(Array.from(c.data.keys()).filter((i) => c.data[i] >= edges[b] && c.data[i] < edges[b + 1]));
      const si = inBin(h.srcC);
      const ta = inBin(h.tAC);
      const tb = inBin(h.tBC);
      const m = Math.min(si.length, ta.length, tb.length);
      const tA = takeRows(h.tA, ta.subarray(0, m));
      const floor = w1(takeRows(h.tB, tb.subarray(0, m)), tA);
      // Displacement over every source row of the bin; fidelity over the first m of them.
      const src = takeRows(h.src, si);
      const mb = takeRows(morphed, si);
      const dm = displacement(src, mb).meanL2;
      const bb = base ? takeRows(base, si) : mb;
      const db = displacement(src, bb).meanL2;
      const firstM = Int32Array.from({ length: m }, (_, i) => i);
      f.bins.push({
        range: [round(edges[b], 3), round(edges[b + 1], 3)],
        rows: m,
        dispOverBase: round(dm / db, 3),
        fidOverFloor: round(w1(takeRows(mb, firstM), tA) / floor, 3),
        baseFidOverFloor: round(w1(takeRows(bb, firstM), tA) / floor, 3),
        boundOverBase: round(dijetMoveBound(edges[b], edges[b + 1]) / db, 3),
      });
    }
  }
  return f;
}

export interface MorphBenchOptions {
  backend: BackendName;
  /** Budget of each base flow (trained once per pair) and of each morph. */
  baseSeconds: number;
  morphSeconds: number;
  /**
   * A steps budget instead of the seconds (for a loaded machine: the figures then show what the methods
   * reach in the steps a quiet machine takes in morphSeconds; wall seconds are still recorded).
   */
  morphSteps?: number;
  /** A steps budget for the base flows instead of baseSeconds (same reason). */
  baseSteps?: number;
  /** Trial settings on top of each method's defaults (e.g. { ot: { block: 128 } }); the table's figures use none. */
  morphOverrides?: Record<string, unknown>;
  work: string;
  methods?: MorphMethod[];
  /** Only pairs whose name contains one of these. */
  only?: string[];
  log?: (s: string) => void;
}

export async function morphBench(o: MorphBenchOptions): Promise<{ pairs: MorphPairResult[]; baseSeconds: number; baseSteps?: number; morphSeconds: number; morphSteps?: number; morphOverrides?: Record<string, unknown>; defaultMethod: MorphMethod }> {
  const log = o.log ?? ((s: string) => console.log(s));
  const methods = o.methods ?? [DEFAULT_MORPH.method, ...MORPH_METHODS.filter((m) => m !== DEFAULT_MORPH.method)];
  const selected = (p: PairDef) => !o.only || o.only.some((s) => p.name.includes(s));
  const needsFiles = benchPairs(o.work, false).some((p) => selected(p) && p.kind !== 'toy');
  const pairs = benchPairs(path.join(o.work, 'data'), needsFiles).filter(selected);
  const results: MorphPairResult[] = [];
  for (const p of pairs) {
    const h = await heldOutRows(p);
    const ot = { w1: round(w1(h.src, h.tA), 4), w1Floor: round(w1(h.tB, h.tA), 4), sourceFloor: round(w1(h.srcB, h.src), 4) };
    const result: MorphPairResult = { pair: p.name, ot, baseTransfer: undefined as unknown as Figures, cases: [] };
    let models: { source: string; target: string } | undefined;
    for (const method of methods) {
      const out = path.join(o.work, `${p.name.replace(/[^A-Za-z0-9]+/g, '-')}-${method}`);
      log(`morph ${p.name}, ${method}, ${o.morphSteps ? `${o.morphSteps} steps` : `${o.morphSeconds} s`}${models ? '' : ` (base flows first, ${o.baseSteps ? `${o.baseSteps} steps` : `${o.baseSeconds} s`} each)`}`);
      const l0 = load();
      const s = await runMorph({
        source: p.source,
        target: p.target,
        out,
        sourceModel: models?.source,
        targetModel: models?.target,
        ...resolveWith({
          base: { train: o.baseSteps ? { steps: o.baseSteps } : { seconds: o.baseSeconds } },
          // --morph-json's train settings (lr, batch…) stay; the budget is the bench's.
          morph: {
            ...o.morphOverrides,
            method,
            mode: p.mode,
            train: { ...((o.morphOverrides?.train as Record<string, unknown> | undefined) ?? {}), ...(o.morphSteps ? { steps: o.morphSteps } : { seconds: o.morphSeconds }) },
          },
        }),
        backend: o.backend,
      });
      const l1 = load();
      models ??= { source: s.sourceModel, target: s.targetModel };
      const run = loadRun(out);
      const cOpts = { cIn: h.srcC, cOut: h.srcC };
      const morphed = morphRows(run, h.src, cOpts);
      const inverse = morphRows(run, h.tA, { inverse: true, cIn: h.tAC, cOut: h.tAC });
      const base = morphRows(run, h.src, { ...cOpts, baseTransfer: true });
      if (!result.baseTransfer) result.baseTransfer = figures(p, h, ot, base, morphRows(run, h.tA, { inverse: true, baseTransfer: true, cIn: h.tAC, cOut: h.tAC }));
      run.f4f.dispose();
      const c: MorphCase = {
        method,
        // Trial settings (--morph-json) make it another morph than the default's.
        default: method === DEFAULT_MORPH.method && !o.morphOverrides,
        steps: s.steps,
        seconds: round(s.seconds, 1),
        ...figures(p, h, ot, morphed, inverse, base),
        load: [l0, l1],
      };
      result.cases.push(c);
      log(`  ${c.steps} steps: displacement/OT ${c.dispOverOt}, fidelity/floor ${c.fidOverFloor} (inverse ${c.inverseFidOverFloor})${c.rmsToMap !== undefined ? `, RMS to map ${c.rmsToMap}` : ''}; load ${l0.load1} → ${l1.load1}`);
      if (c.bins) log(`  bins: ${JSON.stringify(c.bins)}`);
    }
    const d = result.cases.find((c) => c.default);
    if (d) {
      const goal: Record<string, boolean> = { fidelity: d.fidOverFloor <= 1.3 };
      if (p.kind !== 'conditional') goal.displacement = d.dispOverOt <= 1.05;
      if (p.kind === 'gaussian') goal.map = (d.rmsToMap ?? Infinity) <= 0.03;
      if (d.bins) goal.bins = d.bins.every((b) => b.dispOverBase <= 0.8 && b.fidOverFloor <= Math.max(1.3, b.baseFidOverFloor * 1.05));
      result.goal = goal;
    }
    results.push(result);
  }
  return { pairs: results, baseSeconds: o.baseSeconds, baseSteps: o.baseSteps, morphSeconds: o.morphSeconds, morphSteps: o.morphSteps, morphOverrides: o.morphOverrides, defaultMethod: DEFAULT_MORPH.method };
}

const f2 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(2));

/** The morph results as a Markdown table: method, seconds, steps, fidelity/floor, displacement/OT, base transfer beside it. */
export function morphTable(pairs: MorphPairResult[]): string {
  const lines = [
    '| pair | method | s | steps | fidelity / floor | inverse fidelity / floor | displacement / OT | extra | base transfer: fidelity / floor, displacement / OT | load (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const p of pairs) {
    const b = p.baseTransfer;
    for (const c of p.cases) {
      const extra =
        c.rmsToMap !== undefined
          ? `RMS to OT map ${(100 * c.rmsToMap).toFixed(1)} % (base ${(100 * (b.rmsToMap ?? NaN)).toFixed(1)} %)`
          : c.bins
            ? `per mjj quartile: displacement / base ${c.bins.map((x) => x.dispOverBase.toFixed(2)).join(', ')}; fidelity / floor ${c.bins.map((x) => x.fidOverFloor.toFixed(2)).join(', ')} (base ${c.bins.map((x) => x.baseFidOverFloor.toFixed(2)).join(', ')}); least possible displacement / base ≥ ${c.bins.map((x) => x.boundOverBase.toFixed(2)).join(', ')}`
            : '';
      lines.push(
        `| ${p.pair} | ${c.method}${c.default ? ' (default)' : ''} | ${c.seconds.toFixed(0)} | ${c.steps} | ${f2(c.fidOverFloor)} | ${f2(c.inverseFidOverFloor)} | ${f2(c.dispOverOt)} | ${extra} | ${f2(b.fidOverFloor)}, ${f2(b.dispOverOt)} | ${c.load[0].load1} → ${c.load[1].load1} |`,
      );
    }
  }
  return lines.join('\n');
}
