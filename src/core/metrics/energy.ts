/**
 * Energy distance (Székely & Rizzo 2013): D² = 2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖, zero iff the two
 * distributions are equal. Estimated without bias (U-statistics: the within-sample means skip i = j), so
 * two samples of one distribution score ≈ 0 and may come out slightly negative. O(n²·d): samples are
 * subsampled (seeded) to `maxPoints` rows first.
 */
import type { Matrix } from '../../data/matrix';
import { pickPair } from './points';

export interface EnergyOptions {
  /** Each sample is subsampled to at most this many rows; default 2000. */
  maxPoints?: number;
  seed?: number;
}

export function energyDistance(a: Matrix, b: Matrix, opts: EnergyOptions = {}): number {
  const [pa, pb] = pickPair(a, b, 'energyDistance', opts.maxPoints ?? 2000, opts.seed ?? 0);
  if (pa.rows < 2 || pb.rows < 2) throw new Error('energyDistance: need at least 2 rows per sample');
  const d = a.cols;
  const xy = meanDistance(pa.data, pa.rows, pb.data, pb.rows, d) ;
  const xx = withinMeanDistance(pa.data, pa.rows, d);
  const yy = withinMeanDistance(pb.data, pb.rows, d);
  return 2 * xy - xx - yy;
}

/** Mean Euclidean distance over all n·m cross pairs. */
export function meanDistance(x: Float64Array, n: number, y: Float64Array, m: number, d: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      let q = 0;
      for (let j = 0; j < d; j++) {
        const t = x[i * d + j] - y[k * d + j];
        q += t * t;
      }
      s += Math.sqrt(q);
    }
  }
  return s / (n * m);
}

/** Mean Euclidean distance over the n(n − 1)/2 distinct pairs of one sample. */
function withinMeanDistance(x: Float64Array, n: number, d: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      let q = 0;
      for (let j = 0; j < d; j++) {
        const t = x[i * d + j] - x[k * d + j];
        q += t * t;
      }
      s += Math.sqrt(q);
    }
  }
  return s / ((n * (n - 1)) / 2);
}
