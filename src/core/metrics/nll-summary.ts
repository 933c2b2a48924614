/**
 * Negative log-likelihood summaries over per-sample log densities (nats). `logDet` shifts log densities of
 * scaled data back to the data's units (see logDetScaler in src/data/preprocess.ts).
 */
export interface NllSummary {
  /** −mean(log p + logDet); Infinity / NaN if any sample is non-finite. */
  mean: number;
  /** Standard error of that mean, over the finite samples. */
  stderr: number;
  n: number;
  /** Samples whose log p is not finite (−∞ outside the support, NaN from overflow). */
  nonFinite: number;
}

export function meanNll(logProbs: Float32Array | Float64Array, logDet = 0): number {
  return nllSummary(logProbs, logDet).mean;
}

export function nllSummary(logProbs: Float32Array | Float64Array, logDet = 0): NllSummary {
  const n = logProbs.length;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let nonFinite = 0;
  let bad = 0; // sum of the non-finite terms, so ±Infinity / NaN show in the mean
  for (let i = 0; i < n; i++) {
    const v = -(logProbs[i] + logDet);
    if (!Number.isFinite(v)) {
      nonFinite++;
      bad += v;
      continue;
    }
    count++;
    const dlt = v - mean;
    mean += dlt / count;
    m2 += dlt * (v - mean);
  }
  if (n === 0) return { mean: NaN, stderr: NaN, n: 0, nonFinite: 0 };
  return {
    mean: nonFinite > 0 ? bad : mean,
    stderr: count > 1 ? Math.sqrt(m2 / (count - 1) / count) : NaN,
    n,
    nonFinite,
  };
}
