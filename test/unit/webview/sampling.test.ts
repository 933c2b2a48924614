// The plots' pure helpers (webview/sampling.ts): point budget, subsampling, axis ranges, colour map,
// density grids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, densityPixels, fmt, histogramGrid, POINT_BUDGET, project, robustRange, strideIndices, viridis } from '../../../webview/sampling';

test('allocate water-fills the budget: small series keep all, the rest share equally', () => {
  assert.deepEqual(allocate([100, 5000, 5000], 6000), [100, 2950, 2950]);
  assert.deepEqual(allocate([10, 10], 5), [3, 2]);
  assert.deepEqual(allocate([0, 50], 10), [0, 10]);
  assert.deepEqual(allocate([3, 4], 100), [3, 4]);
  assert.deepEqual(allocate([], 100), []);
  assert.deepEqual(allocate([5, 5], 0), [0, 0]);
  // The panel's case: 7 clouds + 3 references of 5000 rows each stay within POINT_BUDGET.
  const a = allocate(new Array(10).fill(5000), POINT_BUDGET);
  assert.deepEqual(a, new Array(10).fill(2000));
  const b = allocate([1, 7, 13000, 19, 2500, 20000, 9, 0, 333, 5000], POINT_BUDGET);
  assert.ok(b.reduce((s, x) => s + x, 0) <= POINT_BUDGET);
  assert.equal(b.reduce((s, x) => s + x, 0), POINT_BUDGET);
  b.forEach((x, i) => assert.ok(x <= [1, 7, 13000, 19, 2500, 20000, 9, 0, 333, 5000][i]));
});

test('strideIndices spreads m picks over n rows', () => {
  assert.deepEqual(strideIndices(10, 4), [0, 2, 5, 7]);
  assert.deepEqual(strideIndices(3, 10), [0, 1, 2]);
  assert.deepEqual(strideIndices(5, 0), []);
});

test('project picks the two features, at most maxRows rows, and skips non-finite rows', () => {
  // 4 rows × 3 cols
  const d = new Float32Array([0, 1, 2, 10, 11, 12, 20, Number.NaN, 22, 30, 31, 32]);
  assert.deepEqual(project(d, 3, 2, 0, 10), [
    { x: 2, y: 0 },
    { x: 12, y: 10 },
    { x: 22, y: 20 },
    { x: 32, y: 30 },
  ]);
  assert.deepEqual(project(d, 3, 0, 1, 10), [
    { x: 0, y: 1 },
    { x: 10, y: 11 },
    { x: 30, y: 31 },
  ]);
  assert.deepEqual(project(d, 3, 0, 2, 2), [
    { x: 0, y: 2 },
    { x: 20, y: 22 },
  ]);
  assert.deepEqual(project(d, 3, 3, 0, 10), []);
});

test('robustRange pads the central quantiles of all clouds', () => {
  const v = Float32Array.from({ length: 1000 }, (_, i) => i);
  const [a, b] = robustRange([v], 1, 0);
  // quantiles 0.2 % and 99.8 %: values 2 and 997; padded by 6 % of 995.
  assert.ok(Math.abs(a - (2 - 59.7)) < 1e-9, String(a));
  assert.ok(Math.abs(b - (997 + 59.7)) < 1e-9, String(b));
  // Two clouds, second feature of two-column rows; non-finite values ignored.
  const c1 = new Float32Array([0, 5, 0, 5]);
  const c2 = new Float32Array([0, Number.NaN, 0, 5]);
  assert.deepEqual(robustRange([c1, c2], 2, 1, 0, 1, 0), [4, 6]); // constant → ±1
  assert.deepEqual(robustRange([], 2, 0), [-1, 1]);
});

test('viridis runs from dark purple to yellow and clamps', () => {
  assert.deepEqual(viridis(0), [68, 1, 84]);
  assert.deepEqual(viridis(0.5), [33, 144, 141]);
  assert.deepEqual(viridis(1), [253, 231, 37]);
  assert.deepEqual(viridis(2), [253, 231, 37]);
  assert.deepEqual(viridis(Number.NaN), [68, 1, 84]);
  assert.deepEqual(viridis(1 / 16), [70, 23, 103]); // halfway between the first two stops
});

test('densityPixels maps p / max p through viridis, bottom row = yMin, −∞ transparent', () => {
  // 2 × 2 grid: row 0 (yMin) = [log 1, −∞], row 1 (yMax) = [log ½, log 1]
  const { rgba, cells } = densityPixels({ nx: 2, ny: 2, logp: new Float32Array([0, -Infinity, Math.log(0.5), 0]) });
  assert.equal(cells, 3);
  const px = (row: number, col: number) => Array.from(rgba.slice((row * 2 + col) * 4, (row * 2 + col) * 4 + 4));
  assert.deepEqual(px(0, 0), [33, 144, 141, 255]); // image top-left = grid row 1, col 0: p = ½
  assert.deepEqual(px(0, 1), [253, 231, 37, 255]);
  assert.deepEqual(px(1, 0), [253, 231, 37, 255]); // image bottom-left = grid row 0, col 0
  assert.deepEqual(px(1, 1), [0, 0, 0, 0]);
});

test('histogramGrid is a normalised density over the box; outside and NaN points are dropped', () => {
  const pts = new Float32Array([0.1, 0.1, 0.2, 0.3, 0.9, 0.9, 0.6, 0.4, 5, 5, Number.NaN, 0.5]);
  const g = histogramGrid(pts, 2, 0, 1, [0, 1], [0, 1], 2);
  assert.equal(g.nx, 2);
  const p = Array.from(g.logp, Math.exp);
  // Cells of area ¼ holding 2, 1 (x ∈ [.5, 1), y < .5), 0, 1 of the 4 points inside.
  assert.deepEqual(p.map((x) => Math.round(x * 1e6) / 1e6), [2, 1, 0, 1]);
  assert.ok(Math.abs(p.reduce((s, x) => s + x, 0) * 0.25 - 1) < 1e-6); // logp is stored as float32
  assert.equal(g.logp[2], -Infinity);
});

test('fmt prints 4 significant digits, exponents outside [1e-3, 1e5)', () => {
  assert.equal(fmt(1234.5678), '1235');
  assert.equal(fmt(0.07537), '0.07537');
  assert.equal(fmt(0.0001234), '1.23e-4');
  assert.equal(fmt(123456), '1.23e+5');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(undefined), '–');
  assert.equal(fmt(Number.NaN), '–');
  assert.equal(fmt(-Infinity), '−∞');
});
