// The fused spline as a tfjs op (float32), on wasm and once on cpu: values against the float64 kernel,
// tf.grads / valueAndGrads / variableGrads against float64 finite differences, identity at zero params,
// kernel count, and no leaked tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// tfjs-core's CommonJS build registers no gradients (Add, Sum, …); the full package registers them all.
import '@tensorflow/tfjs';
import { initBackend, tf } from '../../../src/core/tf';
import { Rng } from '../../../src/core/random';
import { splineForward, splineSpec } from '../../../src/core/spline/kernel';
import { rqSpline, splineParamCount } from '../../../src/core/ops/spline';

const K = 8;
const B = 3;
const P = splineParamCount(K);
const OPTS = { bins: K, bound: B };
const SPEC = splineSpec(OPTS);

function problem(seed: number, n: number, d: number) {
  const rng = new Rng(seed);
  const x = rng.fillUniform(new Float32Array(n * d), -1.2 * B, 1.2 * B) as Float32Array;
  const params = rng.fillNormal(new Float32Array(n * d * P), 1.5) as Float32Array;
  const w1 = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
  const w2 = rng.fillNormal(new Float32Array(n)) as Float32Array;
  return { x, params, w1, w2 };
}

/** L = Σ w1·y + Σ w2·logdet in float64 on the float32 inputs' exact values. */
function loss64(x: Float64Array, params: Float64Array, n: number, d: number, inverse: boolean, w1: Float32Array, w2: Float32Array) {
  const y = new Float64Array(n * d);
  const ld = new Float64Array(n);
  splineForward(SPEC, x, params, n, d, inverse, y, ld);
  let l = 0;
  for (let i = 0; i < n * d; i++) l += w1[i] * y[i];
  for (let r = 0; r < n; r++) l += w2[r] * ld[r];
  return l;
}

function tfLoss(y: tf.Tensor2D, logDet: tf.Tensor1D, w1: tf.Tensor2D, w2: tf.Tensor1D): tf.Scalar {
  return tf.add(tf.sum(tf.mul(w1, y)), tf.sum(tf.mul(w2, logDet)));
}

/** tf.grads of the op (float32) against float64 central differences, within 1e-2 relative. */
function checkGrads(inverse: boolean, seed: number) {
  const n = 16;
  const d = 2;
  const { x, params, w1, w2 } = problem(seed, n, d);
  const xt = tf.tensor2d(x, [n, d]);
  const pt = tf.tensor2d(params, [n, d * P]);
  const w1t = tf.tensor2d(w1, [n, d]);
  const w2t = tf.tensor1d(w2);
  const [gx, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const { y, logDet } = rqSpline(a as tf.Tensor2D, b as tf.Tensor2D, OPTS, inverse);
    return tfLoss(y, logDet, w1t, w2t);
  })([xt, pt]);
  const gxv = gx.dataSync();
  const gpv = gp.dataSync();
  tf.dispose([xt, pt, w1t, w2t, gx, gp]);
  const x64 = Float64Array.from(x);
  const p64 = Float64Array.from(params);
  const h = 1e-6;
  const fdAt = (arr: Float64Array, i: number) => {
    const v = arr[i];
    arr[i] = v + h;
    const lp = loss64(x64, p64, n, d, inverse, w1, w2);
    arr[i] = v - h;
    const lm = loss64(x64, p64, n, d, inverse, w1, w2);
    arr[i] = v;
    return (lp - lm) / (2 * h);
  };
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-2 * Math.max(1, Math.abs(b)), `${what}: tf ${a} vs fd ${b}`);
  let worst = 0;
  for (let i = 0; i < n * d; i++) {
    const fd = fdAt(x64, i);
    close(gxv[i], fd, `dx[${i}]`);
    worst = Math.max(worst, Math.abs(gxv[i] - fd) / Math.max(1, Math.abs(fd)));
  }
  for (let i = 0; i < n * d * P; i++) {
    const fd = fdAt(p64, i);
    close(gpv[i], fd, `dparams[${i}]`);
    worst = Math.max(worst, Math.abs(gpv[i] - fd) / Math.max(1, Math.abs(fd)));
  }
  return worst;
}

test('op (wasm): values match the float64 kernel; inverse(forward(x)) = x within 1e-4; log-dets cancel', async () => {
  const info = await initBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm', info.notes.join('; '));
  const n = 256;
  const d = 2;
  const { x, params } = problem(11, n, d);
  const xt = tf.tensor2d(x, [n, d]);
  const pt = tf.tensor2d(params, [n, d * P]);
  const f = rqSpline(xt, pt, OPTS);
  const g = rqSpline(f.y, pt, OPTS, true);
  assert.deepEqual(f.y.shape, [n, d]);
  assert.deepEqual(f.logDet.shape, [n]);
  const y = f.y.dataSync();
  const ld = f.logDet.dataSync();
  const xr = g.y.dataSync();
  const ldi = g.logDet.dataSync();
  const y64 = new Float64Array(n * d);
  const ld64 = new Float64Array(n);
  splineForward(SPEC, Float64Array.from(x), Float64Array.from(params), n, d, false, y64, ld64);
  // Per-element slope f′(x): the same params viewed as (N·D) rows of one dim.
  const slope = new Float64Array(n * d);
  splineForward(SPEC, Float64Array.from(x), Float64Array.from(params), n * d, 1, false, new Float64Array(n * d), slope);
  let wellConditioned = 0;
  for (let i = 0; i < n * d; i++) {
    assert.ok(Math.abs(y[i] - y64[i]) <= 1e-6 * Math.max(1, Math.abs(y64[i])), `y[${i}]`);
    // Storing y in float32 perturbs it by ≤ 2⁻²⁴|y|; the inverse turns that into 2⁻²⁴|y|/f′ in x, which
    // exceeds 1e-4 where random N(0, 1.5²) params make f′ < 1e-3. So: 1e-4 where f′ ≥ 1e-2, and the
    // conditioning bound (4 half-ulps) everywhere.
    const fp = Math.exp(slope[i]);
    const err = Math.abs(xr[i] - x[i]);
    if (fp >= 1e-2) {
      wellConditioned++;
      assert.ok(err <= 1e-4, `round trip [${i}]: ${xr[i]} vs ${x[i]} (f′ ${fp})`);
    }
    assert.ok(err <= 1e-4 + (4 * 2 ** -24 * Math.max(1, Math.abs(y64[i]))) / fp, `round trip [${i}]: ${xr[i]} vs ${x[i]} (f′ ${fp})`);
  }
  assert.ok(wellConditioned > 0.8 * n * d, `${wellConditioned}`);
  for (let r = 0; r < n; r++) {
    assert.ok(Math.abs(ld[r] - ld64[r]) <= 1e-5 * Math.max(1, Math.abs(ld64[r])), `logdet[${r}]`);
    const fmin = Math.min(Math.exp(slope[r * d]), Math.exp(slope[r * d + 1]));
    if (fmin >= 1e-2) assert.ok(Math.abs(ld[r] + ldi[r]) <= 1e-4, `logdet sum [${r}]: ${ld[r] + ldi[r]}`);
    else assert.ok(Math.abs(ld[r] + ldi[r]) <= 1e-2, `logdet sum [${r}]: ${ld[r] + ldi[r]} (f′ ${fmin})`);
  }
  tf.dispose([xt, pt, f.y, f.logDet, g.y, g.logDet]);
});

test('op (wasm): tf.grads equals finite differences within 1e-2 relative, forward and inverse', () => {
  const worstF = checkGrads(false, 21);
  const worstI = checkGrads(true, 22);
  // float32 evaluation of float64-exact formulas: in practice far better than the stated 1e-2
  assert.ok(worstF < 1e-3 && worstI < 1e-3, `worst relative error forward ${worstF}, inverse ${worstI}`);
});

test('op (wasm): gradient through only one output, valueAndGrads and variableGrads agree with tf.grads', () => {
  const n = 8;
  const d = 2;
  const { x, params, w1, w2 } = problem(31, n, d);
  tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, d]);
    const pt = tf.tensor2d(params, [n, d * P]);
    const w1t = tf.tensor2d(w1, [n, d]);
    const w2t = tf.tensor1d(w2);
    const full = (a: tf.Tensor, b: tf.Tensor) => {
      const r = rqSpline(a as tf.Tensor2D, b as tf.Tensor2D, OPTS);
      return tfLoss(r.y, r.logDet, w1t, w2t);
    };
    const [gx, gp] = tf.grads(full)([xt, pt]);
    const { value, grads } = tf.valueAndGrads(full)([xt, pt]);
    assert.deepEqual(Array.from(grads[0].dataSync()), Array.from(gx.dataSync()));
    assert.deepEqual(Array.from(grads[1].dataSync()), Array.from(gp.dataSync()));
    assert.ok(Number.isFinite(value.dataSync()[0]));
    const pv = tf.variable(pt, true, 'spline-op-test-params');
    const vg = tf.variableGrads(() => full(xt, pv), [pv]);
    assert.deepEqual(Array.from(vg.grads[pv.name].dataSync()), Array.from(gp.dataSync()));
    tf.dispose([vg.value, vg.grads[pv.name], pv]);
    // Gradient of the log-det alone (y outside the backprop graph) = full gradient with w1 = 0.
    const onlyLd = tf.grads((b: tf.Tensor) => tf.sum(tf.mul(w2t, rqSpline(xt, b as tf.Tensor2D, OPTS).logDet)))([pt])[0];
    const zeroW1 = tf.grads((b: tf.Tensor) => {
      const r = rqSpline(xt, b as tf.Tensor2D, OPTS);
      return tfLoss(r.y, r.logDet, tf.zerosLike(w1t), w2t);
    })([pt])[0];
    assert.deepEqual(Array.from(onlyLd.dataSync()), Array.from(zeroW1.dataSync()));
    assert.ok(onlyLd.dataSync().some((v) => v !== 0));
  });
});

test('op (wasm): zero params give y = x and log-det 0, forward and inverse', () => {
  const n = 300;
  const d = 3;
  const rng = new Rng(41);
  const x = rng.fillUniform(new Float32Array(n * d), -1.5 * B, 1.5 * B) as Float32Array;
  tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, d]);
    const pt = tf.zeros([n, d * P]) as tf.Tensor2D;
    for (const inverse of [false, true]) {
      const { y, logDet } = rqSpline(xt, pt, OPTS, inverse);
      const yv = y.dataSync();
      for (let i = 0; i < n * d; i++) assert.ok(Math.abs(yv[i] - x[i]) <= 1e-6, `inverse=${inverse} y ${yv[i]} vs ${x[i]}`);
      for (const v of logDet.dataSync()) assert.ok(Math.abs(v) <= 1e-6, `logdet ${v}`);
    }
  });
});

/** Kernel names dispatched by f (all of them, forward and backward). */
async function kernelsOf(f: () => tf.Tensor[]): Promise<string[]> {
  const info = await tf.profile(f);
  tf.dispose(info.result as tf.Tensor[]);
  return info.kernels.map((k) => k.name);
}

test('op (wasm): one forward+backward costs 4 dispatches (2 own kernels + 2 Identity saves); shapes checked', async () => {
  const n = 64;
  const d = 2;
  const { x, params } = problem(51, n, d);
  const xt = tf.tensor2d(x, [n, d]);
  const pt = tf.tensor2d(params, [n, d * P]);
  const before = tf.memory().numTensors;
  const lossOf = (y: tf.Tensor, l: tf.Tensor) => tf.add(tf.sum(y), tf.sum(l));
  const withSpline = await kernelsOf(() =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const r = rqSpline(a as tf.Tensor2D, b as tf.Tensor2D, OPTS);
      return lossOf(r.y, r.logDet);
    })([xt, pt]),
  );
  // The same loss on plain tensors of the same shapes: what is left over is the spline's own cost.
  const yt = tf.zeros([n, d]);
  const lt = tf.zeros([n]);
  const lossOnly = await kernelsOf(() => tf.grads(lossOf)([yt, lt]));
  tf.dispose([yt, lt]);
  const own = withSpline.slice();
  for (const k of lossOnly) own.splice(own.indexOf(k), 1);
  own.sort();
  assert.deepEqual(own, ['FlowmorphRQSpline', 'FlowmorphRQSplineGrad', 'Identity', 'Identity'], withSpline.join(', '));
  const bad = tf.zeros([n, d * P + 1]) as tf.Tensor2D;
  assert.throws(() => rqSpline(xt, bad, OPTS), /params must be/);
  tf.dispose([xt, pt, bad]);
  assert.equal(tf.memory().numTensors, before - 2);
});

function leakCheck() {
  const n = 32;
  const d = 2;
  const { x, params, w1, w2 } = problem(61, n, d);
  const xt = tf.tensor2d(x, [n, d]);
  const pv = tf.variable(tf.tensor2d(params, [n, d * P]));
  const w1t = tf.tensor2d(w1, [n, d]);
  const w2t = tf.tensor1d(w2);
  const opt = tf.train.sgd(1e-3);
  const step = (i: number) =>
    tf.tidy(() => {
      const inverse = i % 2 === 1;
      const { grads, value } = tf.variableGrads(() => {
        const r = rqSpline(xt, pv as unknown as tf.Tensor2D, OPTS, inverse);
        return tfLoss(r.y, r.logDet, w1t, w2t);
      }, [pv]);
      opt.applyGradients(grads);
      return value.dataSync()[0];
    });
  step(0);
  step(1);
  const start = tf.memory().numTensors;
  let last = 0;
  for (let i = 0; i < 200; i++) last = step(i);
  assert.equal(tf.memory().numTensors, start);
  assert.ok(Number.isFinite(last));
  opt.dispose();
  tf.dispose([xt, pv, w1t, w2t]);
}

test('op (wasm): numTensors flat over 200 training steps under tf.tidy', () => {
  leakCheck();
});

test('op (cpu): same gradients and no leaks on the cpu backend', async () => {
  await initBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const worstF = checkGrads(false, 71);
  const worstI = checkGrads(true, 72);
  assert.ok(worstF < 1e-3 && worstI < 1e-3, `worst relative error forward ${worstF}, inverse ${worstI}`);
  leakCheck();
});
