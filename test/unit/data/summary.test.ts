// Preview Dataset's per-column summaries (src/data/summary.ts, computed in the preview worker): exact
// statistics and histogram counts on small known inputs, NaN / ±Inf counted and kept out, constant and
// empty columns, the default bin rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../../src/data/matrix';
import { columnSummary, summarizeColumns } from '../../../src/data/summary';
import { binsFor } from '../../../webview/marginals-math';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('a known column: min, max, mean, population std and the exact count in each bin', () => {
  // Bins of width 2.5 over [0, 10]: 0, 0, 1, 2 in the first; 10 (the maximum) in the last.
  const m = matrix(5, 1, Float32Array.from([0, 0, 1, 2, 10]), ['pt']);
  const s = columnSummary(m, 0, 4);
  assert.equal(s.name, 'pt');
  assert.equal(s.min, 0);
  assert.equal(s.max, 10);
  close(s.mean, 2.6, 'mean');
  close(s.std, Math.sqrt(14.24), 'std'); // (2·2.6² + 1.6² + 0.6² + 7.4²) / 5
  assert.equal(s.nonFinite, 0);
  assert.deepEqual(s.histogram, { lo: 0, hi: 10, counts: [4, 0, 0, 1] });
});

test('columns of a row-major matrix apart; NaN and ±Inf counted, not summarised, not binned', () => {
  const nan = NaN;
  const inf = Infinity;
  // rows: (a, b)
  const m = matrix(5, 2, Float32Array.from([0, nan, 0, 1, 1, inf, 2, 3, 10, -inf]), ['a', 'b']);
  const [a, b] = summarizeColumns(m, 4);
  assert.deepEqual(a.histogram.counts, [4, 0, 0, 1]);
  assert.equal(a.nonFinite, 0);
  assert.equal(b.nonFinite, 3);
  assert.deepEqual([b.min, b.max, b.mean, b.std], [1, 3, 2, 1]);
  assert.deepEqual(b.histogram, { lo: 1, hi: 3, counts: [1, 0, 0, 1] });
  // By default the bins follow the marginals' rule on the finite values: binsFor(2) = 8.
  assert.deepEqual(summarizeColumns(m)[1].histogram.counts, [1, 0, 0, 0, 0, 0, 0, 1]);
});

test('a constant column has one bin holding every row; a column without finite values has none', () => {
  const m = matrix(3, 2, Float32Array.from([5, NaN, 5, NaN, 5, Infinity]), ['c', 'e']);
  const [c, e] = summarizeColumns(m);
  assert.deepEqual([c.min, c.max, c.mean, c.std, c.nonFinite], [5, 5, 5, 0, 0]);
  assert.deepEqual(c.histogram, { lo: 5, hi: 5, counts: [3] });
  assert.equal(e.nonFinite, 3);
  assert.ok([e.min, e.max, e.mean, e.std].every(Number.isNaN));
  assert.deepEqual(e.histogram.counts, []);
});

test('every finite value lands in a bin (values at the maximum in the last), √n bins clamped to [8, 50]', () => {
  // 0.1, 0.2, …: float32 values whose (v − min) / width rounds near the edges.
  const n = 400;
  const m = matrix(n, 1, Float32Array.from({ length: n }, (_, i) => 0.1 * (i + 1)));
  const s = columnSummary(m, 0);
  assert.equal(s.histogram.counts.length, binsFor(n));
  assert.equal(s.histogram.counts.length, 20);
  assert.deepEqual(s.histogram.counts, new Array(20).fill(20)); // evenly spaced: 20 per bin
  assert.equal(columnSummary(matrix(10_000, 1), 0).histogram.counts.length, 1); // all zeros: constant
  const big = matrix(10_000, 1, Float32Array.from({ length: 10_000 }, (_, i) => i));
  assert.equal(columnSummary(big, 0).histogram.counts.length, 50);
  assert.equal(columnSummary(matrix(3, 1, Float32Array.from([0, 1, 2])), 0).histogram.counts.length, 8);
});
