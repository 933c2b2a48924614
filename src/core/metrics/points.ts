/**
 * Shared plumbing for the sample-based metrics: shape checks and seeded subsampling of a Matrix to at most
 * k rows (so O(n²) metrics stay affordable on large inputs).
 */
import type { Matrix } from '../../data/matrix';
import { subsampleIndices } from '../../data/split';

export function checkSameCols(a: Matrix, b: Matrix, what: string): void {
  if (a.cols !== b.cols) throw new Error(`${what}: ${a.cols} columns vs ${b.cols}`);
  if (a.rows === 0 || b.rows === 0) throw new Error(`${what}: empty sample (${a.rows} vs ${b.rows} rows)`);
}

/**
 * The two samples of a two-sample metric, checked (same columns, none empty) and each subsampled to at most
 * k rows: `a` with seed + 1, `b` with seed + 2.
 */
export function pickPair(a: Matrix, b: Matrix, what: string, k: number, seed: number): [ReturnType<typeof pickRows>, ReturnType<typeof pickRows>] {
  checkSameCols(a, b, what);
  return [pickRows(a, k, seed + 1), pickRows(b, k, seed + 2)];
}

/** Rows of `m` (at most k, chosen with `seed`) copied into Float64. */
export function pickRows(m: Matrix, k: number, seed: number): { data: Float64Array; rows: number; index: Int32Array } {
  const index = subsampleIndices(m.rows, k, seed);
  const d = m.cols;
  const data = new Float64Array(index.length * d);
  for (let r = 0; r < index.length; r++) for (let j = 0; j < d; j++) data[r * d + j] = m.data[index[r] * d + j];
  return { data, rows: index.length, index };
}
