// The fused residual MLP (src/core/ops/fused-mlp.ts over src/core/wasm/dense.c) against the same network
// as tfjs ops, and the dense kernels against plain loops: shapes with every tail (rows not a multiple of 4,
// columns not a multiple of 8 or 4), with and without context, trainable and frozen weights, and the
// bookkeeping of the activations kept for the backward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/tf';
import { markConstant } from '../../../src/core/ops/linear';
import { liveSlots, residualMlp } from '../../../src/core/ops/fused-mlp';
import { mlpLayout, type MlpShape } from '../../../src/core/nn/mlp-layout';
import { ResidualMade } from '../../../src/core/nn/made';
import { ParamStore } from '../../../src/core/params';
import { Rng } from '../../../src/core/random';
import { DenseKernels, denseKernels } from '../../../src/core/wasm/dense';
import { points } from './helpers';

test('setup backend', async () => {
  await initBackend('wasm');
});

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

test('dense kernels: gemm_nn, gemm_tn (with relu and accumulation), col_sum and transpose equal plain loops', () => {
  const K = denseKernels();
  const rng = new Rng(3);
  for (const [M, N, Kd] of [
    [37, 46, 20],
    [4, 8, 4],
    [1, 3, 2],
    [130, 128, 128],
    [9, 2, 128],
    [257, 13, 7],
  ]) {
    const a = rng.fillUniform(new Float32Array(M * Kd), -1, 1) as Float32Array;
    const b = rng.fillUniform(new Float32Array(Kd * N), -1, 1) as Float32Array;
    const bt = rng.fillUniform(new Float32Array(M * N), -1, 1) as Float32Array;
    const c0 = rng.fillUniform(new Float32Array(Math.max(M, Kd) * N), -1, 1) as Float32Array;
    const pa = K.alloc(a.length), pb = K.alloc(b.length), pbt = K.alloc(bt.length), pc = K.alloc(c0.length);
    K.put(pa, a);
    K.put(pb, b);
    K.put(pbt, bt);
    for (const acc of [0, 1]) {
      // NN: C[M,N] = [C +] A·B
      K.put(pc, c0);
      K.k.gemm_nn(M, N, Kd, pa, Kd, pb, N, pc, N, acc);
      const want = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = acc ? c0[i * N + j] : 0;
          for (let k = 0; k < Kd; k++) s += a[i * Kd + k] * b[k * N + j];
          want[i * N + j] = s;
        }
      assert.ok(relErr(K.take(pc, M * N), want) < 1e-5, `gemm_nn ${M}×${N}×${Kd} acc ${acc}`);
      for (const relu of [0, 1]) {
        // TN: C[K,N] = [C +] op(A)ᵀ·B
        K.put(pc, c0);
        K.k.gemm_tn(M, N, Kd, pa, Kd, relu, pbt, N, pc, N, acc);
        const w2 = new Float64Array(Kd * N);
        for (let k = 0; k < Kd; k++)
          for (let j = 0; j < N; j++) {
            let s = acc ? c0[k * N + j] : 0;
            for (let m = 0; m < M; m++) s += (relu ? Math.max(0, a[m * Kd + k]) : a[m * Kd + k]) * bt[m * N + j];
            w2[k * N + j] = s;
          }
        assert.ok(relErr(K.take(pc, Kd * N), w2) < 1e-5, `gemm_tn ${M}×${N}×${Kd} relu ${relu} acc ${acc}`);
      }
    }
    K.k.col_sum(M, N, pbt, pc, 0);
    const cs = new Float64Array(N);
    for (let m = 0; m < M; m++) for (let j = 0; j < N; j++) cs[j] += bt[m * N + j];
    assert.ok(relErr(K.take(pc, N), cs) < 1e-5, `col_sum ${M}×${N}`);
    K.k.transpose(M, N, pbt, pc);
    const tr = K.take(pc, M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) assert.equal(tr[j * M + i], bt[i * N + j]);
    K.release(pa, a.length);
    K.release(pb, b.length);
    K.release(pbt, bt.length);
    K.release(pc, c0.length);
  }
});

test('two threads: products split with the helper thread equal one thread\'s bit for bit', async () => {
  const one = new DenseKernels(1);
  const two = new DenseKernels(2);
  for (let i = 0; i < 200 && !two.helperReady; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(two.helperReady, 'the helper thread started');
  const rng = new Rng(11);
  for (const [M, N, Kd] of [
    [512, 128, 128],
    [1030, 46, 128],
    [300, 128, 2],
  ]) {
    const a = rng.fillUniform(new Float32Array(M * Kd), -1, 1) as Float32Array;
    const b = rng.fillUniform(new Float32Array(Math.max(Kd, M) * N), -1, 1) as Float32Array;
    const c0 = rng.fillUniform(new Float32Array(Math.max(M, Kd) * N), -1, 1) as Float32Array;
    const results = [one, two].map((K) => {
      const pa = K.alloc(a.length), pb = K.alloc(b.length), pc = K.alloc(c0.length);
      K.put(pa, a);
      K.put(pb, b);
      K.put(pc, c0);
      K.gemmNN(M, N, Kd, pa, Kd, pb, N, pc, N, 1);
      const nn = K.take(pc, M * N);
      K.gemmTN(M, N, Kd, pa, Kd, 1, pb, N, pc, N, 0);
      const tn = K.take(pc, Kd * N);
      return { nn, tn };
    });
    assert.deepEqual(results[1].nn, results[0].nn, `gemmNN ${M}×${N}×${Kd}`);
    assert.deepEqual(results[1].tn, results[0].tn, `gemmTN ${M}×${N}×${Kd}`);
  }
  two.close();
  assert.equal(two.helperReady, false);
});

const SHAPES: [string, MlpShape][] = [
  ['no context, tails everywhere', { inputs: 3, context: 0, hidden: 20, blocks: 2, outputs: 46 }],
  ['context, one block', { inputs: 2, context: 3, hidden: 16, blocks: 1, outputs: 23 }],
  ['reference width', { inputs: 2, context: 1, hidden: 128, blocks: 2, outputs: 46 }],
  ['no blocks', { inputs: 5, context: 2, hidden: 12, blocks: 0, outputs: 7 }],
];

for (const [name, shape] of SHAPES) {
  test(`residual MLP, ${name}: fused = tfjs ops in value (1e-5) and in every gradient (1e-4)`, () => {
    const L = mlpLayout(shape);
    const n = 37;
    const x = tf.tensor2d(points(1, n, shape.inputs, 2), [n, shape.inputs]);
    const c = shape.context ? tf.tensor2d(points(2, n, shape.context, 1), [n, shape.context]) : null;
    const theta = tf.tensor1d(points(3, L.size, 1, 0.3));
    const w = tf.tensor2d(points(4, n, shape.outputs, 1), [n, shape.outputs]);
    const run = (fused: boolean) =>
      tf.tidy(() => {
        const xs = c ? [x, c, theta] : [x, theta];
        const f = (...t: tf.Tensor[]) => {
          const y = residualMlp(t[0] as tf.Tensor2D, c ? (t[1] as tf.Tensor2D) : null, t[t.length - 1], L, fused);
          // A non-trivial upstream gradient: d loss / d y = w.
          return tf.sum(tf.mul(y, w)) as tf.Scalar;
        };
        const y = residualMlp(x, c, theta, L, fused);
        const { value, grads } = tf.valueAndGrads(f)(xs);
        return { y: y.dataSync().slice(), value: value.dataSync()[0], grads: grads.map((g) => g.dataSync().slice()) };
      });
    const before = tf.memory().numTensors;
    const a = run(true);
    const b = run(false);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(liveSlots(), 0, 'every recorded forward pass was back-propagated');
    assert.ok(relErr(a.y, b.y) < 1e-5, `value ${relErr(a.y, b.y)}`);
    assert.ok(Math.abs(a.value - b.value) <= 1e-5 * Math.abs(b.value) + 1e-6);
    const names = c ? ['x', 'ctx', 'theta'] : ['x', 'theta'];
    a.grads.forEach((g, i) => assert.ok(relErr(g, b.grads[i]) < 1e-4, `d/d${names[i]}: ${relErr(g, b.grads[i])}`));
    tf.dispose([x, theta, w, ...(c ? [c] : [])]);
  });
}

test('residual MLP with frozen weights: the input gradient equals the trainable one and no weight gradient is computed', () => {
  const shape: MlpShape = { inputs: 2, context: 2, hidden: 24, blocks: 2, outputs: 10 };
  const L = mlpLayout(shape);
  const n = 21;
  const x = tf.tensor2d(points(5, n, 2, 2), [n, 2]);
  const c = tf.tensor2d(points(6, n, 2, 1), [n, 2]);
  const values = points(7, L.size, 1, 0.3);
  const live = tf.tensor1d(values);
  const frozen = tf.tensor1d(values);
  markConstant(frozen);
  const grad = (theta: tf.Tensor) => tf.tidy(() => tf.grads((xi: tf.Tensor, ci: tf.Tensor) => tf.sum(tf.square(residualMlp(xi as tf.Tensor2D, ci as tf.Tensor2D, theta, L))))([x, c]).map((g) => g.dataSync().slice()));
  const a = grad(live);
  const b = grad(frozen);
  assert.ok(relErr(b[0], a[0]) < 1e-6 && relErr(b[1], a[1]) < 1e-6);
  // Asking for the frozen weights' gradient is a programming error, reported as such.
  assert.throws(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(residualMlp(x, c, t, L)))(frozen)), /marked constant/);
  tf.dispose([x, c, live, frozen]);
});

test('residual MLP: activations of a forward pass that backprop never reaches are released when the next gradient scope starts', () => {
  const L = mlpLayout({ inputs: 2, context: 0, hidden: 8, blocks: 1, outputs: 4 });
  const x = tf.tensor2d(points(8, 16, 2, 1), [16, 2]);
  const theta = tf.tensor1d(points(9, L.size, 1, 0.3));
  const other = tf.scalar(2);
  const K = denseKernels();
  const inUse = K.inUse;
  // Recorded on the tape, but the loss depends only on `other`: its backward pass never runs.
  tf.tidy(() => tf.grad((s: tf.Tensor) => tf.add(tf.mul(s, s), tf.mul(tf.sum(residualMlp(x, null, theta, L)), 0)))(other));
  assert.ok(liveSlots() <= 1);
  tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(residualMlp(x, null, t, L)))(theta));
  assert.equal(liveSlots(), 0);
  assert.equal(K.inUse, inUse, 'module memory handed back');
  // Outside any gradient scope nothing is kept.
  tf.tidy(() => residualMlp(x, null, theta, L));
  assert.equal(liveSlots(), 0);
  tf.dispose([x, theta, other]);
});

test('MADE keeps its parameter names and masks inside the group (masked weights start and stay at zero)', () => {
  const store = new ParamStore();
  new ResidualMade(store, 'made', { features: 3, context: 1, hidden: 8, blocks: 2, outputsPerFeature: 5, zeroOutput: false }, new Rng(1));
  assert.equal(store.specs.length, 1);
  assert.deepEqual(
    store.specs[0].parts!.map((p) => p.name),
    ['in.w', 'in.b', 'ctx.w', 'block0.w1', 'block0.b1', 'block0.w2', 'block0.b2', 'block0.ctx.w', 'block1.w1', 'block1.b1', 'block1.w2', 'block1.b2', 'block1.ctx.w', 'out.w', 'out.b'],
  );
  // Outputs of feature 1 (the first 5 columns) see no hidden unit: that column block of out.w is zero.
  const wOut = store.get('made.out.w');
  for (let r = 0; r < 8; r++) for (let j = 0; j < 5; j++) assert.equal(Math.abs(wOut[r * 15 + j]), 0);
  const mask = store.specs[0].mask!;
  const part = store.specs[0].parts!.find((p) => p.name === 'out.w')!;
  assert.equal(mask[part.offset], 0);
  assert.equal(mask[part.offset + 5], 1);
});
