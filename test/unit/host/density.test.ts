// The heat map's grid (src/worker/densityGrid.ts, run in the worker): log q(x) in data units over two
// features of a trained base flow. A density must integrate to about 1 over a range that holds the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveWith } from '../../../src/config/experiment';
import { runFit } from '../../../src/jobs/fit';
import { densityGrid } from '../../../src/worker/densityGrid';
import { rowsInBin } from '../../../src/worker/conditionMorph';

test('density grid of a small trained flow: finite, integrates to ≈ 1 in data units, checks its arguments', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-density-'));
  const base = resolveWith({ base: { preset: 'fast', flow: { stacks: 1, blocks: 1, hidden: 16, bins: 4 }, train: { steps: 40, batch: 256 } } }).base;
  await runFit({ data: { path: 'toy:gaussian:2000:1' }, out, flow: base.flow, train: base.train, backend: 'cpu' });
  const n = 64;
  const g = densityGrid({ model: out, xFeature: 0, yFeature: 1, n, xRange: [-6, 6], yRange: [-4, 4], fixed: [0, 0] });
  assert.equal(g.logp.length, n * n);
  assert.ok(g.logp.every(Number.isFinite));
  const cell = (12 / n) * (8 / n);
  let mass = 0;
  for (const v of g.logp) mass += Math.exp(v) * cell;
  assert.ok(mass > 0.8 && mass < 1.1, `mass ${mass}`);
  assert.equal(g.condition, undefined);
  assert.throws(() => densityGrid({ model: out, xFeature: 0, yFeature: 2, n, xRange: [0, 1], yRange: [0, 1], fixed: [0, 0] }), /2 features/);
  assert.throws(() => densityGrid({ model: out, xFeature: 0, yFeature: 1, n, xRange: [0, 1], yRange: [0, 1], fixed: [0] }), /fixed values/);
});

test('condition bin: the target rows around the slider value, ±10 % of each condition range', () => {
  const cond = { rows: 5, cols: 1, data: Float32Array.of(3, 3.3, 3.5, 3.7, 4.5) };
  const { rows, bin } = rowsInBin(cond, [3.5], 0.2);
  assert.deepEqual(rows, [2]);
  assert.ok(Math.abs(bin[0][0] - 3.35) < 1e-6 && Math.abs(bin[0][1] - 3.65) < 1e-6);
  assert.deepEqual(rowsInBin(cond, [3.5], 0.5).rows, [1, 2, 3]); // ±0.375
  const two = { rows: 3, cols: 2, data: Float32Array.of(0, 0, 0, 10, 10, 10) };
  assert.deepEqual(rowsInBin(two, [0, 0], 0.2).rows, [0]); // both columns must be inside
});
