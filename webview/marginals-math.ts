/**
 * Pure helpers behind the marginal histograms, their ratio panels and the before/after table: binned
 * densities with Poisson errors, ratios to the target with propagated errors, the exact 1-D Wasserstein-1
 * distance between two samples, and its noise floor. No DOM, so the unit tests run them in Node.
 */

/** The finite values of column `f` of a row-major matrix (optionally only the rows in `rows`). */
export function column(data: Float32Array, cols: number, f: number, rows?: readonly number[]): Float64Array {
  const n = cols > 0 ? Math.floor(data.length / cols) : 0;
  const out: number[] = [];
  if (f < 0 || f >= cols) return new Float64Array(0);
  const pick = (r: number): void => {
    const v = data[r * cols + f];
    if (Number.isFinite(v)) out.push(v);
  };
  if (rows) for (const r of rows) (r >= 0 && r < n ? pick(r) : undefined);
  else for (let r = 0; r < n; r++) pick(r);
  return Float64Array.from(out);
}

export interface Histogram {
  /** Bin edges (bins + 1 values). */
  edges: number[];
  /** Counts per bin. */
  counts: number[];
  /** Density per bin: count / (n · width), n counting every finite value (also those outside the range). */
  density: number[];
  /** Poisson error of the density: √count / (n · width). */
  error: number[];
  /** Values counted (inside and outside the range). */
  n: number;
}

/** Bin count for n points: √n clamped to [8, 50]. */
export function binsFor(n: number): number {
  return Math.max(8, Math.min(50, Math.round(Math.sqrt(Math.max(0, n)))));
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    const b = Math.floor((v - lo) / width);
    if (b >= 0 && b < bins) counts[b]++;
    else if (v === hi) counts[bins - 1]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const norm = n > 0 && width > 0 ? 1 / (n * width) : 0;
  return { edges, counts, density: counts.map((c) => c * norm), error: counts.map((c) => Math.sqrt(c) * norm), n };
}

export interface RatioPoint {
  x: number;
  y: number;
  /** One standard error (statistical, both histograms' Poisson errors propagated). */
  err: number;
}

/**
 * Bin-by-bin ratio of two histograms on the same edges (density a / density b), with the relative errors
 * of both added in quadrature. Bins where either is empty are left out (no ratio to show).
 */
export function ratio(a: Histogram, b: Histogram): RatioPoint[] {
  const out: RatioPoint[] = [];
  for (let i = 0; i < a.counts.length; i++) {
    const ca = a.counts[i];
    const cb = b.counts[i];
    if (!(ca > 0 && cb > 0) || !(b.density[i] > 0)) continue;
    const r = a.density[i] / b.density[i];
    out.push({ x: (a.edges[i] + a.edges[i + 1]) / 2, y: r, err: r * Math.sqrt(1 / ca + 1 / cb) });
  }
  return out;
}

/** Exact Wasserstein-1 distance between two 1-D samples (any sizes): ∫ |F_a(x) − F_b(x)| dx. */
export function wasserstein1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const na = x.length;
  const nb = y.length;
  if (na === 0 || nb === 0) return NaN;
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0], y[0]);
  let sum = 0;
  while (i < na || j < nb) {
    const next = j >= nb || (i < na && x[i] <= y[j]) ? x[i] : y[j];
    sum += Math.abs(i / na - j / nb) * (next - prev);
    prev = next;
    if (j >= nb || (i < na && x[i] <= y[j])) i++;
    else j++;
  }
  return sum;
}

/**
 * The noise floor of W1 between a sample of `n` rows and the target: W1 between the two halves of the
 * target (even and odd rows), rescaled from two samples of n_t/2 to samples of n and n_t (the distance
 * between two samples of one distribution shrinks like √(1/n₁ + 1/n₂)).
 */
export function w1Floor(target: ArrayLike<number>, n: number): number {
  const even: number[] = [];
  const odd: number[] = [];
  for (let i = 0; i < target.length; i++) (i % 2 === 0 ? even : odd).push(target[i]);
  if (even.length < 2 || odd.length < 2 || n <= 0) return NaN;
  const halves = wasserstein1d(even, odd);
  return halves * Math.sqrt((1 / n + 1 / target.length) / (1 / even.length + 1 / odd.length));
}

export interface DistanceCell {
  /** W1 to the target, in data units (overall: in target standard deviations, averaged over features). */
  w1: number;
  /** What W1 would be for a perfect match, from sampling noise alone. */
  floor: number;
}

export interface BeforeAfterRow {
  name: string;
  source?: DistanceCell;
  morph?: DistanceCell;
  transfer?: DistanceCell;
}

/**
 * The before/after table: per feature, W1 of source, morph and base transfer to the target, each beside its
 * noise floor; last, an `overall` row with every distance divided by the target's standard deviation of that
 * feature and averaged over features (so features in different units can be added).
 */
export function beforeAfter(
  clouds: { source?: Float32Array; morphed?: Float32Array; baseTransfer?: Float32Array; target?: Float32Array },
  cols: number,
  names: readonly string[],
  rows?: { source?: readonly number[]; target?: readonly number[] },
): BeforeAfterRow[] {
  const t = clouds.target;
  if (!t || cols <= 0) return [];
  const out: BeforeAfterRow[] = [];
  const sums = { source: [0, 0, 0], morph: [0, 0, 0], transfer: [0, 0, 0] };
  for (let f = 0; f < cols; f++) {
    const tv = column(t, cols, f, rows?.target);
    const sd = stdev(tv);
    const row: BeforeAfterRow = { name: names[f] ?? `x${f}` };
    const cell = (key: 'source' | 'morph' | 'transfer', data: Float32Array | undefined, r?: readonly number[]): void => {
      if (!data) return;
      const v = column(data, cols, f, r);
      if (v.length === 0 || tv.length === 0) return;
      const c = { w1: wasserstein1d(v, tv), floor: w1Floor(tv, v.length) };
      row[key] = c;
      if (sd > 0) {
        sums[key][0] += c.w1 / sd;
        sums[key][1] += c.floor / sd;
        sums[key][2]++;
      }
    };
    // Morph and base transfer carry the source's rows, so they take the source's row selection.
    cell('source', clouds.source, rows?.source);
    cell('morph', clouds.morphed, rows?.source);
    cell('transfer', clouds.baseTransfer, rows?.source);
    out.push(row);
  }
  const overall: BeforeAfterRow = { name: 'overall (W1 / σ, mean)' };
  for (const key of ['source', 'morph', 'transfer'] as const) {
    const [w, fl, k] = sums[key];
    if (k === cols && k > 0) overall[key] = { w1: w / k, floor: fl / k };
  }
  if (cols > 1) out.push(overall);
  return out;
}

export function stdev(v: ArrayLike<number>): number {
  const n = v.length;
  if (n < 2) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += v[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}
