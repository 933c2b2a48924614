// Training machinery: the seed tutorial (μ → 2), identity initialisation, the annealed penalty weight,
// every context mode and direction lowering its loss, flat tensor counts, checkpoint + exact resume,
// and the fast dense op against tfjs's own gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../../../src/core/tf';
import { DEFAULT_MORPH, type ContextMode, type Direction, type MorphConfig } from '../../../src/core/config';
import { Flow } from '../../../src/core/flow';
import { FlowForFlow, FrozenDensity, stepDirection } from '../../../src/core/f4f';
import { NllObjective } from '../../../src/core/objectives/nll';
import { dense, markConstant } from '../../../src/core/ops/linear';
import { Rng } from '../../../src/core/random';
import { cosine } from '../../../src/core/train/schedule';
import { train } from '../../../src/core/train/trainer';
import { fitShift } from './shift';
import { maxAbsDiff, points, smallFlow } from './helpers';

test('setup backend', async () => {
  await initBackend('wasm');
});

test('seed tutorial: N(0,1) shifted by a learned μ, fitted to 10 000 samples of N(2,1), gives μ within 0.05 of 2', async () => {
  const rng = new Rng(2024);
  const data = new Float32Array(10000).map(() => 2 + rng.normal());
  const r = await fitShift(data, { steps: 400 });
  assert.ok(Math.abs(r.mu - 2) < 0.05, `μ = ${r.mu}`);
  // The MLE is the sample mean; the fit should be close to it too.
  const mean = data.reduce((a, b) => a + b, 0) / data.length;
  assert.ok(Math.abs(r.mu - mean) < 0.02, `μ = ${r.mu}, sample mean ${mean}`);
});

for (const perm of ['reverse', 'random', 'lu'] as const)
  for (const transform of ['maf', 'coupling'] as const)
    test(`identity init (${transform}, ${perm}, odd stack count): g(x) = x within 1e-6 and log|det| = 0`, () => {
      const flow = new Flow(smallFlow({ transform, permutation: perm, stacks: 3, identityInit: true }), 5);
      const x = points(1, 300, 3, 6);
      assert.ok(maxAbsDiff(flow.toNoise(x), x) < 1e-6);
      assert.ok(maxAbsDiff(flow.fromNoise(x), x) < 1e-6);
      const ld = tf.tidy(() => flow.toNoiseT(tf.tensor2d(x, [300, 3]), null, flow.params()).logDet!.dataSync().slice());
      assert.ok(maxAbsDiff(ld, new Float32Array(300)) < 1e-6);
      flow.dispose();
    });

test('without identity init the same flow is not the identity (the test above can fail)', () => {
  const flow = new Flow(smallFlow({ stacks: 3 }), 5);
  const x = points(1, 50, 3, 2);
  assert.ok(maxAbsDiff(flow.toNoise(x), x) > 1e-2);
});

test('cosine schedule and annealed penalty weight', () => {
  assert.equal(cosine(2, 0), 2);
  assert.ok(Math.abs(cosine(2, 0.5) - 1) < 1e-12);
  assert.ok(Math.abs(cosine(2, 0.25) - (1 + Math.SQRT1_2)) < 1e-12);
  assert.equal(cosine(2, 1), 0);
  const src = new FrozenDensity(new Flow(smallFlow({ features: 2, stacks: 1 }), 1));
  const cfg = (anneal: boolean): MorphConfig => ({ ...DEFAULT_MORPH, method: 'f4f', top: { ...DEFAULT_MORPH.top, hidden: 8, stacks: 1, blocks: 1 }, penalty: { kind: 'l1', weight: 0.8, anneal } });
  const annealed = new FlowForFlow(cfg(true), src, src, 0, 0);
  const fixed = new FlowForFlow(cfg(false), src, src, 0, 0);
  for (const f of [0, 0.1, 0.5, 0.9, 1]) {
    assert.ok(Math.abs(annealed.penaltyWeight(f) - 0.4 * (1 + Math.cos(Math.PI * f))) < 1e-12);
    assert.equal(fixed.penaltyWeight(f), 0.8);
  }
});

test('the annealed penalty weight really changes during training and reaches ~0', async () => {
  const { f4f, obj } = morphProblem('none', 'forward', 0, { kind: 'l2', weight: 1, anneal: true });
  const seen: number[] = [];
  await train(obj, { ...f4f.config.train, steps: 40 }, { onStep: (s) => seen.push(s.extras.penaltyWeight) });
  assert.equal(seen[0], 1);
  assert.ok(Math.abs(seen[20] - cosine(1, 20 / 40)) < 1e-6);
  assert.ok(seen[39] < 0.01);
  f4f.dispose();
});

test('direction schedule: alternate flips per batch, iterate per block of epochs (forward first)', () => {
  assert.deepEqual([0, 1, 2, 3].map((s) => stepDirection('alternate', s, 10, 1)), ['forward', 'inverse', 'forward', 'inverse']);
  assert.deepEqual([0, 9, 10, 19, 20].map((s) => stepDirection('iterate', s, 10, 1)), ['forward', 'forward', 'inverse', 'inverse', 'forward']);
  assert.deepEqual([0, 19, 20].map((s) => stepDirection('iterate', s, 10, 2)), ['forward', 'forward', 'inverse']);
});

/** Gaussian blobs: source centred at −1, target at +1 (shifted further by the condition). */
function morphProblem(mode: ContextMode, direction: Direction, C: number, penalty = DEFAULT_MORPH.penalty) {
  const rng = new Rng(3);
  const n = 1024;
  const D = 2;
  const make = (centre: number) => {
    const x = new Float32Array(n * D);
    const c = C ? new Float32Array(n * C) : undefined;
    for (let i = 0; i < n; i++) {
      const ci = C ? rng.range(-1, 1) : 0;
      if (c) c[i * C] = ci;
      for (let j = 0; j < D; j++) x[i * D + j] = centre + 0.5 * ci + 0.5 * rng.normal();
    }
    return { x, c, rows: n };
  };
  const s = make(-1);
  const t = make(1);
  const base = (seed: number) => new Flow(smallFlow({ features: D, context: C, stacks: 1, hidden: 8, blocks: 1 }), seed);
  // Untrained but distinct base densities are enough to test that g's objective decreases.
  const cfg: MorphConfig = {
    ...DEFAULT_MORPH,
    method: 'f4f',
    mode,
    direction,
    penalty,
    top: { ...DEFAULT_MORPH.top, stacks: 2, blocks: 1, hidden: 16, bins: 6, bound: 3 },
    train: { ...DEFAULT_MORPH.train, batch: 128, lr: 3e-3, seconds: undefined, steps: 60, evalEvery: 1000 },
    iterateEpochs: 1,
  };
  const f4f = new FlowForFlow(cfg, new FrozenDensity(base(1)), new FrozenDensity(base(2)), C, 0);
  return { f4f, obj: f4f.objective(s, t, { src: s, tgt: t }) };
}

const MODES: ContextMode[] = ['none', 'delta', 'concat', 'two-bases', 'two-bases-shared'];
const DIRECTIONS: Direction[] = ['forward', 'inverse', 'both', 'alternate', 'iterate'];
for (const mode of MODES)
  for (const direction of DIRECTIONS)
    test(`flow for flow, mode ${mode}, direction ${direction}: training lowers the held-out loss`, async () => {
      const { f4f, obj } = morphProblem(mode, direction, mode === 'none' ? 0 : 1);
      const before = obj.validate();
      const r = await train(obj, f4f.config.train);
      assert.equal(r.steps, 60);
      assert.ok(r.valLoss < before - 0.05, `held-out loss ${before} → ${r.valLoss}`);
      f4f.dispose();
    });

test('delta mode: g(·; −Δ) is the inverse of g(·; Δ)', () => {
  const { f4f } = morphProblem('delta', 'forward', 1);
  const rng = new Rng(9);
  // Perturb the top flow so it is not the identity.
  const v = f4f.top.store.values;
  for (const s of f4f.top.store.specs) for (let i = 0; i < s.size; i++) if (!s.mask || s.mask[i]) v[s.offset + i] += 0.05 * rng.normal();
  f4f.top.store.touch();
  const x = points(4, 64, 2, 1.5);
  const a = new Float32Array(64).fill(-0.3);
  const b = new Float32Array(64).fill(0.6);
  const y = f4f.morph(x, { cIn: a, cOut: b });
  assert.ok(maxAbsDiff(y, x) > 1e-3);
  const back = f4f.morph(y, { cIn: b, cOut: a });
  assert.ok(maxAbsDiff(back, x) < 1e-4, `${maxAbsDiff(back, x)}`);
  f4f.dispose();
});

test('numTensors is flat over 500 training steps (base flow with validation)', async () => {
  const flow = new Flow(smallFlow({ features: 2, stacks: 2, hidden: 16 }), 0);
  const x = points(2, 2000, 2, 2);
  const obj = new NllObjective(flow, { x, rows: 2000 }, { x: x.slice(0, 400), rows: 200 }, 64, 0);
  const counts: number[] = [];
  await train(obj, { lr: 1e-3, batch: 64, steps: 500, cosine: true, clip: 5, seed: 0, validationFraction: 0, evalEvery: 50 }, {
    onStep: (s) => s.step % 50 === 1 && counts.push(tf.memory().numTensors),
  });
  assert.equal(counts.length, 10);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `numTensors over time: ${counts.join(', ')}`);
  flow.dispose();
});

test('checkpoint and resume reproduce an uninterrupted run exactly', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-ckpt-'));
  const x = points(2, 1000, 2, 2);
  const cfg = { lr: 1e-3, batch: 100, steps: 30, cosine: true, clip: 5, seed: 3, validationFraction: 0, evalEvery: 1000 };
  const straight = new Flow(smallFlow({ features: 2, stacks: 1, hidden: 8 }), 0);
  await train(new NllObjective(straight, { x, rows: 1000 }, undefined, 100, 3), cfg);
  const first = new Flow(smallFlow({ features: 2, stacks: 1, hidden: 8 }), 0);
  let stopAt = 12;
  const r1 = await train(new NllObjective(first, { x, rows: 1000 }, undefined, 100, 3), cfg, {
    checkpoint: { dir, everySec: 1e9 },
    cancelled: () => stopAt-- <= 0,
  });
  assert.equal(r1.cancelled, true);
  assert.equal(r1.steps, 12);
  assert.ok(fs.existsSync(path.join(dir, 'checkpoint.bin')));
  const resumed = new Flow(smallFlow({ features: 2, stacks: 1, hidden: 8 }), 0);
  const r2 = await train(new NllObjective(resumed, { x, rows: 1000 }, undefined, 100, 3), cfg, { checkpoint: { dir, everySec: 1e9 }, resume: true });
  assert.equal(r2.steps, 30);
  assert.ok(maxAbsDiff(resumed.store.values, straight.store.values) < 1e-6);
  fs.rmSync(dir, { recursive: true });
});

test('dense op: value and gradients equal tfjs matMul + add', () => {
  const rng = new Rng(1);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(64 * 5)) as Float32Array, [64, 5]);
  const w = tf.tensor2d(rng.fillNormal(new Float32Array(5 * 7)) as Float32Array, [5, 7]);
  const b = tf.tensor1d(rng.fillNormal(new Float32Array(7)) as Float32Array);
  const dy = tf.tensor2d(rng.fillNormal(new Float32Array(64 * 7)) as Float32Array, [64, 7]);
  const ours = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, c, d), dy)));
  const ref = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d), dy)));
  const g1 = ours([x, w, b]);
  const g2 = ref([x, w, b]);
  for (let i = 0; i < 3; i++) {
    const a = g1[i].dataSync();
    const c = g2[i].dataSync();
    const scale = Math.max(...Array.from(c, Math.abs));
    assert.ok(maxAbsDiff(a, c) / scale < 1e-5, `gradient ${i}`);
  }
});

test('dense op with constant (frozen) weights: same value and dx, and no gradient work for W', async () => {
  const rng = new Rng(2);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 4)) as Float32Array, [32, 4]);
  const w = tf.tensor2d(rng.fillNormal(new Float32Array(4 * 6)) as Float32Array, [4, 6]);
  const b = tf.tensor1d(rng.fillNormal(new Float32Array(6)) as Float32Array);
  const wc = w.clone();
  const bc = b.clone();
  markConstant(wc);
  markConstant(bc);
  const dy = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 6)) as Float32Array, [32, 6]);
  const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, w, b), dy)))(x);
  const gxc = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, wc, bc), dy)))(x);
  assert.ok(maxAbsDiff(gx.dataSync(), gxc.dataSync()) < 1e-6);
  assert.ok(maxAbsDiff(dense(x, w, b).dataSync(), dense(x, wc, bc).dataSync()) < 1e-6);
  // Backward with trainable W: dx, dW and the bias ones-row matMul; with constants: dx only.
  const matMuls = async (wt: tf.Tensor, bt: tf.Tensor) => {
    const p = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, wt, bt), dy)))(x));
    return p.kernels.filter((k) => k.name === 'BatchMatMul').length;
  };
  assert.equal(await matMuls(w, b), 4);
  assert.equal(await matMuls(wc, bc), 2);
});

test('delta mode trains when one side has fewer rows than the batch (conditions pair cyclically)', async () => {
  const { f4f } = morphProblem('delta', 'both', 1);
  const rng = new Rng(4);
  const side = (rows: number, centre: number) => {
    const x = new Float32Array(rows * 2).map(() => centre + 0.5 * rng.normal());
    const c = new Float32Array(rows).map(() => rng.range(-1, 1));
    return { x, c, rows };
  };
  const obj = f4f.objective(side(50, -1), side(400, 1));
  const r = await train(obj, { ...f4f.config.train, batch: 128, steps: 5 });
  assert.equal(r.steps, 5);
  assert.ok(Number.isFinite(r.finalLoss));
  f4f.dispose();
});
