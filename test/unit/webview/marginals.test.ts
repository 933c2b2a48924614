// The marginal histograms, ratio panels and before/after table behind webview/marginals.ts and tables.ts:
// pure helpers, no DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beforeAfter, binsFor, column, histogram, ratio, w1Floor, wasserstein1d } from '../../../webview/marginals-math';
import { fmtEstimate } from '../../../webview/tables';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normals(n: number, seed: number, mean = 0, sd = 1): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

test('histogram: densities integrate to the fraction inside, Poisson errors, the last edge counted', () => {
  const h = histogram([0, 0.5, 1, 1.5, 2, 5, NaN], 0, 2, 4);
  assert.deepEqual(h.counts, [1, 1, 1, 2]);
  assert.equal(h.n, 6); // NaN left out, 5 counted in n but outside the range
  const area = h.density.reduce((a, d) => a + d * 0.5, 0);
  assert.ok(Math.abs(area - 5 / 6) < 1e-12);
  assert.ok(Math.abs(h.error[3] - Math.sqrt(2) / (6 * 0.5)) < 1e-12);
  assert.equal(binsFor(4), 8);
  assert.equal(binsFor(1e6), 50);
});

test('ratio: each ÷ reference with both relative errors in quadrature; empty bins left out', () => {
  const a = histogram([0.5, 0.5, 0.5, 0.5, 1.5], 0, 3, 3);
  const b = histogram([0.5, 0.5, 1.5, 1.5, 2.5], 0, 3, 3);
  const r = ratio(a, b);
  assert.equal(r.length, 2); // the third bin is empty in a
  assert.equal(r[0].x, 0.5);
  assert.ok(Math.abs(r[0].y - 2) < 1e-12);
  assert.ok(Math.abs(r[0].err - 2 * Math.sqrt(1 / 4 + 1 / 2)) < 1e-12);
  assert.ok(Math.abs(r[1].y - 0.5) < 1e-12);
});

test('wasserstein1d: exact for shifts and for samples of different sizes', () => {
  const x = normals(500, 1);
  assert.ok(Math.abs(wasserstein1d(x, x.map((v) => v + 0.7)) - 0.7) < 1e-9);
  assert.ok(Math.abs(wasserstein1d([0, 1], [0, 0, 1, 1]) - 0) < 1e-12);
  assert.ok(Math.abs(wasserstein1d([0], [1, 3]) - 2) < 1e-12);
  assert.ok(Number.isNaN(wasserstein1d([], [1])));
});

test('w1Floor: the size of sampling noise, far below a real shift', () => {
  const t = normals(4000, 2);
  const same = normals(4000, 3);
  const floor = w1Floor(t, same.length);
  assert.ok(floor > 0 && floor < 0.1, `floor ${floor}`);
  const w = wasserstein1d(same, t);
  assert.ok(w < 3 * floor, `same distribution: W1 ${w} vs floor ${floor}`);
  assert.ok(wasserstein1d(normals(4000, 4, 0.5), t) > 5 * floor);
  // Fewer rows, a higher floor.
  assert.ok(w1Floor(t, 100) > 2 * floor);
});

test('beforeAfter: per feature and overall; the morph closes the gap the source had', () => {
  const n = 2000;
  const cols = 2;
  const mk = (shift: number, seed: number) => {
    const a = normals(n, seed, shift);
    const b = normals(n, seed + 100, 10 + shift * 10, 10);
    const out = new Float32Array(n * cols);
    for (let i = 0; i < n; i++) [out[i * 2], out[i * 2 + 1]] = [a[i], b[i]];
    return out;
  };
  const rows = beforeAfter({ target: mk(0, 10), source: mk(1, 20), morphed: mk(0, 30) }, cols, ['pt', 'eta']);
  assert.deepEqual(rows.map((r) => r.name), ['pt', 'eta', 'overall (W1 / σ, mean)']);
  assert.ok(Math.abs(rows[0].source!.w1 - 1) < 0.15);
  assert.ok(Math.abs(rows[1].source!.w1 - 10) < 1.5); // data units: feature 2 is 10× wider
  assert.ok(rows[0].morph!.w1 < 3 * rows[0].morph!.floor);
  assert.equal(rows[0].transfer, undefined);
  assert.equal(rows[2].transfer, undefined);
  assert.ok(Math.abs(rows[2].source!.w1 - 1) < 0.15); // both features shifted by 1 σ
  assert.equal(column(mk(0, 1), cols, 5).length, 0);
  assert.deepEqual(beforeAfter({ source: mk(0, 1) }, cols, []), []);
});

test('fmtEstimate: a negative unbiased estimate reads "≈ 0, within noise"', () => {
  assert.equal(fmtEstimate(-0.025), '≈ 0, within noise');
  assert.equal(fmtEstimate(0.0123), '0.0123');
  assert.equal(fmtEstimate(undefined), '–');
});
