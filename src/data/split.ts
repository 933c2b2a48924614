/**
 * Seeded row selection: the train / validation split and subsamples for plots and metrics. Rows are
 * copied into new Matrices; conditions are split with the same indices so rows stay paired.
 */
import { Rng } from '../core/random';
import { takeRows, type Matrix } from './matrix';

export interface Split {
  train: Matrix;
  val: Matrix;
  trainCondition?: Matrix;
  valCondition?: Matrix;
  /** Row indices into the input, train then val; each in shuffled order. */
  trainIndex: Int32Array;
  valIndex: Int32Array;
}

/**
 * The held-out evaluation is an estimate whose noise falls like 1/√n: below MIN_HELD_OUT rows it is noisy
 * (src/jobs/evaluate.ts says so in the summary, webview/tables.ts in the panel). From HELD_OUT_FLOOR_FROM
 * rows of data up the split holds out at least MIN_HELD_OUT rows whatever the fraction (with the default
 * 0.1, data of 5 000 to 10 000 rows: 1 000 instead of 500 to 1 000). Base-flow reuse keys include both
 * numbers (src/host/baseReuse.ts): a flow trained on another split is not reused.
 */
export const MIN_HELD_OUT = 1000;
export const HELD_OUT_FLOOR_FROM = 5000;

/**
 * Rows held out for validation: round(rows · fraction), at least MIN_HELD_OUT from HELD_OUT_FLOOR_FROM rows
 * up and at least one for fewer (when fraction > 0), never all of them. None when fraction is 0.
 */
export function validationRows(rows: number, fraction: number): number {
  let nVal = Math.round(rows * fraction);
  if (fraction > 0 && rows >= HELD_OUT_FLOOR_FROM) nVal = Math.max(nVal, MIN_HELD_OUT);
  if (fraction > 0 && nVal === 0 && rows > 1) nVal = 1;
  if (nVal >= rows) nVal = Math.max(0, rows - 1);
  return nVal;
}

/**
 * Shuffle the rows with `seed` and hold out validationRows(rows, fraction) of them for validation.
 * `condition`, if given, must have the same row count.
 */
export function splitTrainVal(m: Matrix, fraction: number, seed: number, condition?: Matrix): Split {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`splitTrainVal: fraction must be in [0, 1), got ${fraction}`);
  if (condition && condition.rows !== m.rows) {
    throw new Error(`splitTrainVal: ${m.rows} feature rows but ${condition.rows} condition rows`);
  }
  const nVal = validationRows(m.rows, fraction);
  const perm = new Rng(seed).permutation(m.rows);
  const valIndex = perm.slice(0, nVal);
  const trainIndex = perm.slice(nVal);
  const out: Split = { train: takeRows(m, trainIndex), val: takeRows(m, valIndex), trainIndex, valIndex };
  if (condition) {
    out.trainCondition = takeRows(condition, trainIndex);
    out.valCondition = takeRows(condition, valIndex);
  }
  return out;
}

/**
 * k distinct indices of 0..n−1 drawn with `seed` (partial Fisher–Yates), sorted ascending so a subsample
 * keeps the input's order; all of 0..n−1 when k ≥ n.
 */
export function subsampleIndices(n: number, k: number, seed: number): Int32Array {
  if (k >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const m = Math.max(0, Math.floor(k));
  const rng = new Rng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p.slice(0, m).sort();
}

/** At most k rows of m, chosen with `seed`, in their original order (a copy even when k ≥ rows). */
export function subsample(m: Matrix, k: number, seed: number): Matrix {
  return takeRows(m, subsampleIndices(m.rows, k, seed));
}
