import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/data/matrix';
import { Rng } from '../../../src/core/random';
import { generateToy } from '../../../src/data/toys';
import { normalTail } from '../../../src/data/toys/special';
import { displacement, energyDistance, fidelity, meanNll, nllSummary, slicedW1, w1Sorted1d } from '../../../src/core/metrics';
import type { Displacement as JobDisplacement, Fidelity as JobFidelity } from '../../../src/jobs/types';

function gaussianCloud(n: number, d: number, seed: number, shift: number[] = []): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (shift[j] ?? 0);
  return matrix(n, d, data);
}

test('displacement: mean / std of L2, mean L1, per-feature mean |Δ| on a worked example', () => {
  const x = matrix(2, 2, Float32Array.from([0, 0, 1, 1]));
  const y = matrix(2, 2, Float32Array.from([3, 4, 1, 2]));
  const d: JobDisplacement = displacement(x, y); // also checks the shape matches the job contract
  assert.equal(d.meanL2, 3); // (5 + 1) / 2
  assert.equal(d.stdL2, 2);
  assert.equal(d.meanL1, 4); // (7 + 1) / 2
  assert.deepEqual(d.perFeature, [1.5, 2.5]);
  assert.throws(() => displacement(x, matrix(3, 2)), /rows must be paired/);
});

test('w1Sorted1d: equal sizes = mean |a_i − b_i|; unequal sizes = ∫|F_a − F_b| dx', () => {
  assert.equal(w1Sorted1d([0, 1, 2], [1, 1, 5]), (1 + 0 + 3) / 3);
  assert.equal(w1Sorted1d([0], [0, 1]), 0.5);
  // Unequal sizes against the CDF form W1 = ∫ |F_a(x) − F_b(x)| dx, on random samples.
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + rng.int(9);
    const m = 1 + rng.int(9);
    const a = Float64Array.from({ length: n }, () => rng.normal()).sort();
    const b = Float64Array.from({ length: m }, () => rng.normal() + 0.5).sort();
    const pts = Float64Array.from([...a, ...b]).sort();
    let cdf = 0;
    for (let k = 0; k + 1 < pts.length; k++) {
      const fa = a.filter((v) => v <= pts[k]).length / n;
      const fb = b.filter((v) => v <= pts[k]).length / m;
      cdf += Math.abs(fa - fb) * (pts[k + 1] - pts[k]);
    }
    assert.ok(Math.abs(w1Sorted1d(a, b) - cdf) < 1e-12, `trial ${trial}`);
  }
});

test('slicedW1: 0 for identical samples, exact 1-D W1 in one dimension, E|θ·δ| = (2/π)‖δ‖ for a shift in 2-D', () => {
  const a = gaussianCloud(500, 2, 1);
  assert.equal(slicedW1(a, a, { projections: 50, seed: 1 }), 0);
  // 1-D: every direction is ±1, so the slice is the exact W1 whatever the number of projections.
  const a1 = gaussianCloud(300, 1, 2);
  const b1 = gaussianCloud(200, 1, 3, [0.7]);
  const exact = w1Sorted1d(Float64Array.from(a1.data).sort(), Float64Array.from(b1.data).sort());
  assert.ok(Math.abs(slicedW1(a1, b1, { projections: 7 }) - exact) < 1e-12);
  // Shift by δ = (3, 4): each projection's W1 is |θ·δ|; its mean over the circle is (2/π)·5.
  // 2000 directions: s.d. of |cos| is 0.308, so 4 s.e. = 4·5·0.308/√2000 = 0.14.
  const b = matrix(500, 2, Float32Array.from(a.data, (v, i) => v + (i % 2 === 0 ? 3 : 4)));
  const sw = slicedW1(a, b, { projections: 2000, seed: 5 });
  assert.ok(Math.abs(sw - 10 / Math.PI) < 0.14, `${sw}`);
  assert.throws(() => slicedW1(a, a1), /2 columns vs 1/);
});

test('energyDistance: 2 for point masses at distance 1; theory for N(0,1) vs N(1,1); ≈ 0 for one distribution', () => {
  const zeros = matrix(50, 1);
  const ones = matrix(60, 1, new Float32Array(60).fill(1));
  assert.equal(energyDistance(zeros, ones), 2);
  // D² = 2E|X − Y| − E|X − X′| − E|Y − Y′| with X − Y ~ N(−1, 2), X − X′ ~ N(0, 2).
  const sd = Math.SQRT2;
  const eXY = sd * Math.sqrt(2 / Math.PI) * Math.exp(-1 / 4) + (1 - 2 * normalTail(1 / sd));
  const eXX = sd * Math.sqrt(2 / Math.PI);
  const theory = 2 * eXY - 2 * eXX; // 0.5418
  // One 2000-point estimate has s.d. ≈ 0.025; the mean of 10 pairs of 1000 points has s.d. ≈ 0.011.
  let e = 0;
  for (let k = 0; k < 10; k++) e += energyDistance(gaussianCloud(1000, 1, 10 + k), gaussianCloud(1000, 1, 30 + k, [1])) / 10;
  assert.ok(Math.abs(e - theory) < 0.045, `${e} vs ${theory}`);
  const a = gaussianCloud(2000, 1, 1);
  const same = energyDistance(a, gaussianCloud(2000, 1, 3), { maxPoints: 2000 });
  assert.ok(Math.abs(same) < 0.03, `${same}`);
  // Unbiased: averaged over many pairs of small samples of one distribution it is ≈ 0 (V-statistics would
  // give +E|X − X′|/n ≈ 0.11 here).
  let s = 0;
  for (let k = 0; k < 200; k++) s += energyDistance(gaussianCloud(10, 1, 100 + k), gaussianCloud(10, 1, 400 + k));
  assert.ok(Math.abs(s / 200) < 0.03, `${s / 200}`);
});

test('fidelity: morphed = second target sample scores exactly the floor; a bad morph scores far above', () => {
  const t1 = generateToy('checkerboard', 2000, 1).features;
  const t2 = generateToy('checkerboard', 2000, 2).features;
  const src = generateToy('fourcircles', 2000, 3).features;
  const f: JobFidelity = fidelity(t2, t1, t2, { projections: 200, seed: 9 });
  assert.equal(f.slicedW1, f.slicedW1Floor);
  assert.equal(f.energy, f.energyFloor);
  // Checkerboard floor at 2000 points: 0.08 ± 0.03 over draws (bench/results/ot.json); four circles →
  // checkerboard ≈ 0.52 ± 0.015 (the reference: 0.512 at 5000 directions).
  assert.ok(f.slicedW1Floor > 0.02 && f.slicedW1Floor < 0.17, `floor ${f.slicedW1Floor}`);
  const bad = fidelity(src, t1, t2, { projections: 200, seed: 9 });
  assert.ok(bad.slicedW1 > 0.45 && bad.slicedW1 < 0.59, `bad ${bad.slicedW1}`);
  assert.ok(bad.slicedW1 > 3 * bad.slicedW1Floor);
  assert.ok(bad.energy > 20 * Math.abs(bad.energyFloor) && bad.energy > 0.1);
});

test('meanNll / nllSummary: −mean log p (+ logDet), standard error, non-finite samples reported', () => {
  const lp = Float32Array.from([-1, -2, -3, -4]);
  assert.equal(meanNll(lp), 2.5);
  assert.equal(meanNll(lp, 0.5), 2);
  const s = nllSummary(lp);
  assert.ok(Math.abs(s.stderr - Math.sqrt(5 / 3 / 4)) < 1e-12);
  assert.equal(s.n, 4);
  const bad = nllSummary(Float64Array.from([-1, -Infinity, -2]));
  assert.equal(bad.nonFinite, 1);
  assert.equal(bad.mean, Infinity);
});
