/**
 * Per-column summaries of a float32 matrix for Preview Dataset (run in the preview worker,
 * src/worker/preview.ts): min, max, mean, population std and the count of NaN / ±Inf values, and a
 * histogram of the finite values. Two passes over the matrix's Float32Array per column, no per-row objects;
 * what leaves is a few numbers and ≤ 50 counts per column.
 */
import type { ColumnHistogram, ColumnStats } from '../protocol/preview';
import { binsFor } from '../../webview/marginals-math';
import type { Matrix } from './matrix';

/** Summary of column `c` of `m`; `bins` overrides the bin count (by default the panel's marginals' rule,
 * binsFor: √n of the finite values, clamped to [8, 50]); a constant column has one bin. */
export function columnSummary(m: Matrix, c: number, bins?: number): ColumnStats {
  const { data, cols, rows } = m;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = c; i < rows * cols; i += cols) {
    const v = data[i];
    if (v - v !== 0) continue; // NaN or ±Inf
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  const nonFinite = rows - n;
  if (n === 0) return { name: m.columns[c], min: NaN, max: NaN, mean: NaN, std: NaN, nonFinite, histogram: { lo: NaN, hi: NaN, counts: [] } };
  const mean = sum / n;
  const k = min === max ? 1 : (bins ?? binsFor(n));
  const width = (max - min) / k;
  const counts = new Float64Array(k);
  let sq = 0;
  for (let i = c; i < rows * cols; i += cols) {
    const v = data[i];
    if (v - v !== 0) continue;
    const d = v - mean;
    sq += d * d;
    // Values at max (and any rounding past the last edge) go in the last bin.
    const b = k === 1 ? 0 : Math.floor((v - min) / width);
    counts[b < k ? b : k - 1]++;
  }
  const histogram: ColumnHistogram = { lo: min, hi: max, counts: Array.from(counts) };
  return { name: m.columns[c], min, max, mean, std: Math.sqrt(sq / n), nonFinite, histogram };
}

/** columnSummary of every column of `m`, in order. */
export function summarizeColumns(m: Matrix, bins?: number): ColumnStats[] {
  return m.columns.map((_, c) => columnSummary(m, c, bins));
}
