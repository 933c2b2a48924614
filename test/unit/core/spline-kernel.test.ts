// The rational-quadratic spline kernel in float64 (no tfjs): invertibility, log-determinants, analytic
// gradients against central finite differences, identity at zero parameters, monotonicity, continuity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/random';
import { splineBackward, splineForward, splineParamCount, splineSpec, SplineSpec } from '../../../src/core/spline/kernel';

const K = 8;
const B = 3;
const P = splineParamCount(K);
const SPEC = splineSpec({ bins: K, bound: B });

/** x inside and outside [−B, B] (≈ 1/6 of the points are in the tails), params ~ N(0, 1.5²). */
function problem(seed: number, n: number, d: number, spread = 1.2 * B): { x: Float64Array; params: Float64Array } {
  const rng = new Rng(seed);
  const x = rng.fillUniform(new Float64Array(n * d), -spread, spread) as Float64Array;
  const params = rng.fillNormal(new Float64Array(n * d * P), 1.5) as Float64Array;
  return { x, params };
}

function run(spec: SplineSpec, x: Float64Array, params: Float64Array, n: number, d: number, inverse: boolean) {
  const y = new Float64Array(n * d);
  const ld = new Float64Array(n);
  splineForward(spec, x, params, n, d, inverse, y, ld);
  return { y, ld };
}

test('kernel: inverse(forward(x)) = x and log-dets cancel, inside and outside the bound', () => {
  const n = 400;
  const d = 3;
  const { x, params } = problem(1, n, d);
  const f = run(SPEC, x, params, n, d, false);
  const g = run(SPEC, f.y, params, n, d, true);
  let maxErr = 0;
  let maxLd = 0;
  let tails = 0;
  for (let i = 0; i < n * d; i++) {
    maxErr = Math.max(maxErr, Math.abs(g.y[i] - x[i]));
    if (Math.abs(x[i]) > B) tails++;
  }
  for (let r = 0; r < n; r++) maxLd = Math.max(maxLd, Math.abs(f.ld[r] + g.ld[r]));
  assert.ok(tails > 50, `test should cover the tails (${tails})`);
  assert.ok(maxErr < 1e-10, `round trip error ${maxErr}`);
  assert.ok(maxLd < 1e-10, `log-det sum ${maxLd}`);
  // and the other way round: forward(inverse(y)) = y
  const h = run(SPEC, x, params, n, d, true);
  const k = run(SPEC, h.y, params, n, d, false);
  for (let i = 0; i < n * d; i++) assert.ok(Math.abs(k.y[i] - x[i]) < 1e-10, `forward∘inverse at ${i}`);
});

test('kernel: log-det equals log of the finite-difference dy/dx within 1e-3 relative', () => {
  const n = 300;
  const { x, params } = problem(2, n, 1, B);
  const hStep = 1e-6;
  for (const inverse of [false, true]) {
    const base = run(SPEC, x, params, n, 1, inverse);
    const xp = x.map((v) => v + hStep);
    const xm = x.map((v) => v - hStep);
    const yp = run(SPEC, xp, params, n, 1, inverse).y;
    const ym = run(SPEC, xm, params, n, 1, inverse).y;
    for (let i = 0; i < n; i++) {
      const fd = (yp[i] - ym[i]) / (2 * hStep);
      const an = Math.exp(base.ld[i]);
      assert.ok(Math.abs(an - fd) <= 1e-3 * fd, `inverse=${inverse} i=${i}: exp(logdet) ${an} vs fd ${fd}`);
    }
  }
});

/** L = Σ w1·out + Σ w2·logdet in float64. */
function loss(spec: SplineSpec, x: Float64Array, params: Float64Array, n: number, d: number, inv: boolean, w1: Float64Array, w2: Float64Array): number {
  const { y, ld } = run(spec, x, params, n, d, inv);
  let l = 0;
  for (let i = 0; i < y.length; i++) l += w1[i] * y[i];
  for (let r = 0; r < n; r++) l += w2[r] * ld[r];
  return l;
}

for (const inverse of [false, true]) {
  test(`kernel: analytic gradients equal central differences (${inverse ? 'inverse' : 'forward'}) within 1e-5`, () => {
    const n = 24;
    const d = 2;
    const { x, params } = problem(inverse ? 4 : 3, n, d);
    const rng = new Rng(5);
    const w1 = rng.fillNormal(new Float64Array(n * d)) as Float64Array;
    const w2 = rng.fillNormal(new Float64Array(n)) as Float64Array;
    // The inverse is evaluated at points of its own domain: the images of x.
    const input = inverse ? run(SPEC, x, params, n, d, false).y : x;
    const gIn = new Float64Array(n * d);
    const gP = new Float64Array(n * d * P).fill(NaN);
    splineBackward(SPEC, input, params, n, d, inverse, w1, w2, gIn, gP);
    const h = 1e-6;
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: analytic ${a} vs fd ${b}`);
    let nonzero = 0;
    for (let i = 0; i < n * d; i++) {
      const xp = input.slice();
      const xm = input.slice();
      xp[i] += h;
      xm[i] -= h;
      const fd = (loss(SPEC, xp, params, n, d, inverse, w1, w2) - loss(SPEC, xm, params, n, d, inverse, w1, w2)) / (2 * h);
      close(gIn[i], fd, `d/dx[${i}]`);
    }
    for (let i = 0; i < n * d * P; i++) {
      const pp = params.slice();
      const pm = params.slice();
      pp[i] += h;
      pm[i] -= h;
      const fd = (loss(SPEC, input, pp, n, d, inverse, w1, w2) - loss(SPEC, input, pm, n, d, inverse, w1, w2)) / (2 * h);
      close(gP[i], fd, `d/dparams[${i}] (elem ${Math.floor(i / P)}, slot ${i % P})`);
      if (Math.abs(fd) > 1e-3) nonzero++;
    }
    assert.ok(nonzero > n * d * P * 0.5, `most parameter gradients should be non-trivial (${nonzero})`);
    // Tails: zero parameter gradient, input gradient = upstream.
    for (let i = 0; i < n * d; i++) {
      if (Math.abs(input[i]) <= B) continue;
      assert.equal(gIn[i], w1[i]);
      for (let l = 0; l < P; l++) assert.equal(gP[i * P + l], 0);
    }
  });
}

test('kernel: null upstream gradients count as zero', () => {
  const n = 10;
  const d = 2;
  const { x, params } = problem(6, n, d, B);
  const ones = new Float64Array(n * d).fill(1);
  const zerosN = new Float64Array(n);
  const a = { gx: new Float64Array(n * d), gp: new Float64Array(n * d * P) };
  const b = { gx: new Float64Array(n * d), gp: new Float64Array(n * d * P) };
  splineBackward(SPEC, x, params, n, d, false, ones, zerosN, a.gx, a.gp);
  splineBackward(SPEC, x, params, n, d, false, ones, null, b.gx, b.gp);
  assert.deepEqual(b.gx, a.gx);
  assert.deepEqual(b.gp, a.gp);
  splineBackward(SPEC, x, params, n, d, true, null, null, b.gx, b.gp);
  assert.ok(b.gx.every((v) => v === 0) && b.gp.every((v) => v === 0));
});

test('kernel: zero parameters give the identity (forward and inverse) with log-det 0', () => {
  const n = 200;
  const d = 2;
  const rng = new Rng(7);
  const x = rng.fillUniform(new Float64Array(n * d), -1.5 * B, 1.5 * B) as Float64Array;
  const params = new Float64Array(n * d * P);
  for (const inverse of [false, true]) {
    const { y, ld } = run(SPEC, x, params, n, d, inverse);
    for (let i = 0; i < n * d; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-12, `y ${y[i]} vs x ${x[i]}`);
    for (let r = 0; r < n; r++) assert.ok(Math.abs(ld[r]) < 1e-12, `logdet ${ld[r]}`);
  }
  // Other minima keep the property (c0 depends on minDerivative).
  const spec = splineSpec({ bins: 5, bound: 2, minBinWidth: 0.05, minBinHeight: 0.02, minDerivative: 0.3 });
  const p5 = new Float64Array(n * d * splineParamCount(5));
  const { y, ld } = run(spec, x, p5, n, d, false);
  for (let i = 0; i < n * d; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-12);
  for (let r = 0; r < n; r++) assert.ok(Math.abs(ld[r]) < 1e-12);
});

test('kernel: strictly increasing across knots and tails, continuous at ±B', () => {
  const rng = new Rng(8);
  for (let trial = 0; trial < 20; trial++) {
    const params1 = rng.fillNormal(new Float64Array(P), 3) as Float64Array; // sharp bins on purpose
    const m = 4001;
    const x = new Float64Array(m);
    for (let i = 0; i < m; i++) x[i] = -B - 1 + ((2 * B + 2) * i) / (m - 1);
    const params = new Float64Array(m * P);
    for (let i = 0; i < m; i++) params.set(params1, i * P);
    const { y, ld } = run(SPEC, x, params, m, 1, false);
    for (let i = 1; i < m; i++) assert.ok(y[i] > y[i - 1], `trial ${trial}: not increasing at x=${x[i]}`);
    for (let i = 0; i < m; i++) assert.ok(Number.isFinite(ld[i]));
    // Continuity of value and slope at the bounds: y(±B ∓ ε) → ±B, log f′ → 0 (boundary slopes are 1).
    const eps = 1e-11; // narrow bins (std-3 params) curve log f′ by ~1e3 per unit x
    const edge = Float64Array.from([-B - eps, -B, -B + eps, B - eps, B, B + eps]);
    const pe = new Float64Array(edge.length * P);
    for (let i = 0; i < edge.length; i++) pe.set(params1, i * P);
    const e = run(SPEC, edge, pe, edge.length, 1, false);
    for (let i = 0; i < edge.length; i++) {
      assert.ok(Math.abs(e.y[i] - edge[i]) < 1e-8, `trial ${trial}: y(${edge[i]}) = ${e.y[i]}`);
      assert.ok(Math.abs(e.ld[i]) < 1e-6, `trial ${trial}: logdet at ${edge[i]} = ${e.ld[i]}`);
    }
  }
});

test('kernel: float32 arrays give the float64 result to float32 precision', () => {
  const n = 100;
  const d = 2;
  const { x, params } = problem(9, n, d);
  const x32 = Float32Array.from(x);
  const p32 = Float32Array.from(params);
  const y32 = new Float32Array(n * d);
  const ld32 = new Float32Array(n);
  splineForward(SPEC, x32, p32, n, d, false, y32, ld32);
  const ref = run(SPEC, Float64Array.from(x32), Float64Array.from(p32), n, d, false);
  for (let i = 0; i < n * d; i++) assert.ok(Math.abs(y32[i] - ref.y[i]) <= 1e-6 * Math.max(1, Math.abs(ref.y[i])));
  for (let r = 0; r < n; r++) assert.ok(Math.abs(ld32[r] - ref.ld[r]) <= 1e-6 * Math.max(1, Math.abs(ref.ld[r])));
});

test('kernel: spec validation', () => {
  assert.throws(() => splineSpec({ bins: 0, bound: 3 }));
  assert.throws(() => splineSpec({ bins: 8, bound: 0 }));
  assert.throws(() => splineSpec({ bins: 10, bound: 3, minBinWidth: 0.1 }));
  assert.throws(() => splineSpec({ bins: 8, bound: 3, minDerivative: 1 }));
  assert.equal(splineParamCount(8), 23);
});
