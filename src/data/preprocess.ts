/**
 * Per-column affine scaling of a dataset before a flow sees it, y = (x − shift) / scale, and back.
 *
 * The spline flows act on [−bound, bound] (linear tails outside), so data must land mostly inside that
 * box: 'minmax' maps each column's range onto [−range, range] (range 3 inside the reference's bound 4,
 * as the paper does for the LHC Olympics features), 'zscore' to mean 0 / std 1.
 * A Scaler is plain JSON and is saved with the model, so a trained flow maps new data the same way.
 * Because densities change under the map, `logDetScaler` gives log|det ∂y/∂x| to report NLLs in the
 * data's own units: log p_x(x) = log p_y(y) + logDetScaler(s).
 */
import { matrix, type Matrix } from './matrix';

export type ScalerKind = 'minmax' | 'zscore' | 'none';

export interface Scaler {
  kind: ScalerKind;
  /** Column names seen at fit time (checked against the count on apply). */
  columns: string[];
  shift: number[];
  /** Always > 0: a constant column gets scale 1 (it is only shifted). */
  scale: number[];
  /** For 'minmax': the half-width of the target interval. */
  range?: number;
}

/**
 * Fit a per-column scaler to `m`, ignoring non-finite entries (a column with none finite gets shift 0,
 * scale 1). Means and variances accumulate in Float64.
 */
export function fitScaler(m: Matrix, kind: ScalerKind, opts: { range?: number } = {}): Scaler {
  const cols = m.cols;
  const shift = new Array<number>(cols).fill(0);
  const scale = new Array<number>(cols).fill(1);
  if (kind === 'minmax') {
    const range = opts.range ?? 3;
    if (!(range > 0)) throw new Error(`fitScaler: range must be > 0, got ${range}`);
    for (let j = 0; j < cols; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < m.rows; i++) {
        const v = m.data[i * cols + j];
        if (!Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (lo > hi) continue;
      shift[j] = 0.5 * (lo + hi);
      const s = (hi - lo) / (2 * range);
      scale[j] = s > 0 ? s : 1;
    }
    return { kind, columns: m.columns.slice(), shift, scale, range };
  }
  if (kind === 'zscore') {
    for (let j = 0; j < cols; j++) {
      // Welford's update: no catastrophic cancellation for columns with a large offset (e.g. masses in GeV).
      let n = 0;
      let mean = 0;
      let m2 = 0;
      for (let i = 0; i < m.rows; i++) {
        const v = m.data[i * cols + j];
        if (!Number.isFinite(v)) continue;
        n++;
        const d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
      }
      if (n === 0) continue;
      shift[j] = mean;
      const sd = Math.sqrt(m2 / n);
      scale[j] = sd > 0 ? sd : 1;
    }
    return { kind, columns: m.columns.slice(), shift, scale };
  }
  if (kind === 'none') return { kind, columns: m.columns.slice(), shift, scale };
  throw new Error(`fitScaler: unknown kind "${kind as string}"; use minmax, zscore or none`);
}

/** y = (x − shift) / scale, per column; a new Matrix. */
export function applyScaler(s: Scaler, m: Matrix): Matrix {
  return perColumn(s, m, 'applyScaler', (x, shift, scale) => (x - shift) / scale);
}

/** x = y · scale + shift, per column; a new Matrix. */
export function invertScaler(s: Scaler, m: Matrix): Matrix {
  return perColumn(s, m, 'invertScaler', (y, shift, scale) => y * scale + shift);
}

function perColumn(s: Scaler, m: Matrix, what: string, f: (v: number, shift: number, scale: number) => number): Matrix {
  if (m.cols !== s.shift.length) throw new Error(`${what}: scaler fitted on ${s.shift.length} columns, data has ${m.cols}`);
  const out = new Float32Array(m.data.length);
  const c = m.cols;
  for (let i = 0; i < m.data.length; i++) {
    const j = i % c;
    out[i] = f(m.data[i], s.shift[j], s.scale[j]);
  }
  return matrix(m.rows, c, out, m.columns.slice());
}

/**
 * log|det ∂y/∂x| of the forward map = −Σ log scale_j. Add it to a log density of scaled data to get the
 * log density in the original units (subtract it from an NLL).
 */
export function logDetScaler(s: Scaler): number {
  let ld = 0;
  for (const v of s.scale) ld -= Math.log(v);
  return ld;
}

/**
 * Per column, the fraction of rows with |x| > bound (non-finite values count as outside): how much of
 * the data a spline on [−bound, bound] only sees through its linear tails.
 */
export function fractionOutside(m: Matrix, bound: number): number[] {
  const counts = new Array<number>(m.cols).fill(0);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i];
    if (!(Math.abs(v) <= bound)) counts[i % m.cols]++;
  }
  return counts.map((k) => (m.rows > 0 ? k / m.rows : 0));
}
