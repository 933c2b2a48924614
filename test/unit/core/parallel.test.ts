// Data-parallel training (src/core/train/parallel.ts): batch parts add up to the full batch (loss, extras,
// gradient), threads give the serial gradient, a parallel run ends where a serial one does and does not
// depend on timing, the objective recipes rebuild the same objective, and workers never outlive a run
// (finished, cancelled, failed, or a process left to exit on its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../../src/core/tf';
import { DEFAULT_MORPH, type MorphConfig, type TrainConfig } from '../../../src/core/config';
import { Flow } from '../../../src/core/flow';
import { FlowForFlow, FrozenDensity } from '../../../src/core/f4f';
import { NllObjective } from '../../../src/core/objectives/nll';
import { buildObjective, describeObjective, shareSpec } from '../../../src/core/objectives/spec';
import { Rng } from '../../../src/core/random';
import { DEFAULT_MIN_BATCH, DEFAULT_MIN_CORES, ParallelGradient, liveWorkers, partGradient, resolveWorkers } from '../../../src/core/train/parallel';
import { partRange } from '../../../src/core/train/part';
import { train, type Objective } from '../../../src/core/train/trainer';
import { ShiftObjective } from './shift';
import { applyEnvironment } from '../../../src/env';
import { configureEngine } from '../../../src/core/settings';
import { maxAbsDiff, randomize, smallFlow } from './helpers';

test('setup backend', async () => {
  await initBackend('wasm');
});

/** Conditional 2-D data: x = 0.5·c + N(0, 0.5²) per feature, c ~ U(−1, 1). */
function condData(seed: number, n: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(2 * n);
  const c = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    c[i] = rng.range(-1, 1);
    x[2 * i] = 0.5 * c[i] + 0.5 * rng.normal();
    x[2 * i + 1] = -0.5 * c[i] + 0.5 * rng.normal();
  }
  return { x, c, rows: n };
}

function nllProblem(batch = 96) {
  const flow = new Flow(smallFlow({ features: 2, context: 1, stacks: 2, hidden: 16 }), 4);
  randomize(flow.store, 8, 0.2); // away from the initialisation, so every gradient entry is exercised
  return { flow, obj: new NllObjective(flow, condData(1, 1000), undefined, batch, 7) };
}

function morphProblem() {
  const base = (seed: number) => {
    const f = new Flow(smallFlow({ features: 2, context: 1, stacks: 1, hidden: 8 }), seed);
    randomize(f.store, seed + 10, 0.2);
    return f;
  };
  const cfg: MorphConfig = {
    ...DEFAULT_MORPH,
    method: 'f4f',
    mode: 'delta',
    direction: 'both',
    penalty: { kind: 'l1', weight: 0.5, anneal: true },
    top: { ...DEFAULT_MORPH.top, stacks: 2, blocks: 1, hidden: 16, bins: 6, bound: 3 },
    train: { ...DEFAULT_MORPH.train, batch: 90, lr: 2e-3, seconds: undefined, steps: 20, evalEvery: 1000 },
  };
  const scale = Float32Array.of(1.5, 0.5);
  const shift = Float32Array.of(0.2, -0.1);
  const f4f = new FlowForFlow(cfg, new FrozenDensity(base(1), { scale, shift }), new FrozenDensity(base(2)), 1, 3);
  randomize(f4f.top.store, 5, 0.05);
  return { f4f, obj: f4f.objective(condData(2, 600), condData(3, 700)) };
}

/** max |a − b| / max |a|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  return maxAbsDiff(a, b) / Math.max(...Array.from(a, Math.abs));
}

/** Loss, extras and gradient of the whole batch, the serial trainer's way (no part). */
function fullStep(obj: Objective, step: number, fraction: number) {
  const g = new Float32Array(obj.store.count);
  // A part of count 1 is the whole batch, reduced as sum / batch instead of mean.
  const r = partGradient(obj, step, fraction, { index: 0, count: 1 }, g);
  return { ...r, g };
}

/** The same, as the sum of `count` parts' shares. */
function summedParts(obj: Objective, step: number, fraction: number, count: number) {
  const g = new Float32Array(obj.store.count);
  const gk = new Float32Array(obj.store.count);
  let loss = 0;
  const extras: Record<string, number> = {};
  for (let k = 0; k < count; k++) {
    const r = partGradient(obj, step, fraction, { index: k, count }, gk);
    loss += r.loss;
    for (const [n, v] of Object.entries(r.extras)) extras[n] = (extras[n] ?? 0) + v;
    for (let i = 0; i < g.length; i++) g[i] += gk[i];
  }
  return { loss, extras, g };
}

test('batch parts: contiguous, disjoint, covering, near-equal', () => {
  for (const [n, count] of [[512, 2], [97, 3], [5, 5]]) {
    let next = 0;
    for (let k = 0; k < count; k++) {
      const [s, e] = partRange(n, { index: k, count });
      assert.equal(s, next);
      assert.ok(e - s >= Math.floor(n / count) && e - s <= Math.ceil(n / count));
      next = e;
    }
    assert.equal(next, n);
  }
  assert.throws(() => partRange(10, { index: 2, count: 2 }));
});

test('NLL: the shares of 3 batch parts add up to the full batch (loss within 1e-6, gradient within 1e-5 relative)', () => {
  const { flow, obj } = nllProblem();
  const full = fullStep(obj, 2, 0);
  const parts = summedParts(obj, 2, 0, 3);
  assert.ok(Math.abs(parts.loss - full.loss) < 1e-6 * Math.abs(full.loss) + 1e-7, `${parts.loss} vs ${full.loss}`);
  const d = relDiff(full.g, parts.g);
  assert.ok(d < 1e-5, `gradient differs by ${d} relative`);
  // The parts really are different rows: one part alone is far from the whole.
  const one = new Float32Array(obj.store.count);
  partGradient(obj, 2, 0, { index: 0, count: 3 }, one);
  assert.ok(relDiff(full.g, one) > 0.1);
  // And a part of count 1 is the trainer's own mean-reduced loss.
  const serial = obj.loss(flow.store.upload(), 2, 0).loss.dataSync()[0];
  assert.ok(Math.abs(serial - full.loss) < 1e-6 * Math.abs(serial));
  flow.dispose();
});

test('flow for flow (delta, both directions, annealed L1, affine base): part shares add up, extras included', () => {
  const { f4f, obj } = morphProblem();
  const full = fullStep(obj, 1, 0.3);
  const parts = summedParts(obj, 1, 0.3, 2);
  assert.ok(Math.abs(parts.loss - full.loss) < 1e-5 * Math.abs(full.loss), `${parts.loss} vs ${full.loss}`);
  assert.ok(relDiff(full.g, parts.g) < 1e-5, `gradient differs by ${relDiff(full.g, parts.g)} relative`);
  assert.deepEqual(Object.keys(parts.extras).sort(), ['displacement', 'lossForward', 'lossInverse', 'penaltyWeight']);
  for (const k of Object.keys(full.extras)) assert.ok(Math.abs(parts.extras[k] - full.extras[k]) < 1e-5 * Math.abs(full.extras[k]), `${k}: ${parts.extras[k]} vs ${full.extras[k]}`);
  assert.ok(Math.abs(full.extras.penaltyWeight - f4f.penaltyWeight(0.3)) < 1e-7);
  f4f.dispose();
});

test('recipes: an objective rebuilt from its shared recipe gives the same loss and gradient', () => {
  for (const make of [nllProblem, morphProblem]) {
    const p = make();
    const obj = p.obj;
    const spec = shareSpec(describeObjective(obj)!);
    const rebuilt = buildObjective(spec);
    assert.equal(rebuilt.store.count, obj.store.count);
    rebuilt.store.setValues(obj.store.values);
    const a = fullStep(obj, 4, 0.5);
    const b = fullStep(rebuilt, 4, 0.5);
    assert.equal(b.loss, a.loss);
    assert.equal(maxAbsDiff(a.g, b.g), 0);
    rebuilt.dispose();
  }
  const s = describeObjective(morphProblem().obj)!;
  assert.ok(s.kind === 'f4f' && shareSpec(s).kind === 'f4f');
  const shared = shareSpec(s) as Extract<typeof s, { kind: 'f4f' }>;
  assert.ok(shared.src.x.buffer instanceof SharedArrayBuffer && shared.bases[0].weights.buffer instanceof SharedArrayBuffer);
  assert.equal(describeObjective(new ShiftObjective(new Float32Array(10), 4, 0)), undefined);
});

for (const mainComputes of [true, false])
  test(`threads (${mainComputes ? 'main + 1 worker' : '2 workers, main waits'}) give the serial loss and gradient within 1e-5`, async () => {
    const { flow, obj } = nllProblem();
    const full = fullStep(obj, 3, 0);
    const pg = await ParallelGradient.open(obj, { threads: 2, mainComputes });
    assert.equal(liveWorkers(), mainComputes ? 1 : 2);
    try {
      const g = new Float32Array(obj.store.count);
      const r = await pg.compute(3, 0, flow.store.values, g);
      assert.ok(Math.abs(r.loss - full.loss) < 1e-6 * Math.abs(full.loss));
      assert.ok(relDiff(full.g, g) < 1e-5, `${relDiff(full.g, g)}`);
      // New parameters reach the workers: moving them changes the result the same way as serially.
      randomize(flow.store, 99, 0.05);
      const moved = fullStep(obj, 3, 0);
      const r2 = await pg.compute(3, 0, flow.store.values, g);
      assert.ok(Math.abs(r2.loss - moved.loss) < 1e-6 * Math.abs(moved.loss) && Math.abs(moved.loss - full.loss) > 1e-3);
      assert.ok(relDiff(moved.g, g) < 1e-5);
    } finally {
      await pg.close();
    }
    assert.equal(liveWorkers(), 0);
    flow.dispose();
  });

const CFG: TrainConfig = { lr: 1e-3, batch: 96, steps: 25, cosine: true, clip: 5, seed: 7, validationFraction: 0, evalEvery: 1000 };

test('a parallel run ends where the serial run does, and two parallel runs are identical', async () => {
  const start = nllProblem().flow.store.values.slice();
  const runs: Float32Array[] = [];
  for (const workers of [1, 2, 2]) {
    const { flow, obj } = nllProblem();
    const r = await train(obj, CFG, { workers });
    assert.equal(r.workers, workers);
    assert.equal(r.steps, 25);
    runs.push(flow.store.values.slice());
    flow.dispose();
  }
  const moved = maxAbsDiff(runs[0], start);
  const gap = maxAbsDiff(runs[0], runs[1]);
  assert.ok(moved > 5e-3, `training moved the parameters by ${moved}`);
  assert.ok(gap < 1e-5, `serial and parallel differ by ${gap}`);
  assert.equal(maxAbsDiff(runs[1], runs[2]), 0, 'parallel runs must not depend on timing');
  assert.equal(liveWorkers(), 0);
});

test('flow for flow: a parallel run reports the serial extras and ends near the serial parameters', async () => {
  const results = [];
  const start = morphProblem().f4f.top.store.values.slice();
  for (const workers of [1, 2]) {
    const { f4f, obj } = morphProblem();
    const seen: Record<string, number>[] = [];
    const r = await train(obj, f4f.config.train, { workers, onStep: (s) => seen.push({ loss: s.loss, ...s.extras }) });
    assert.equal(r.workers, workers);
    results.push({ seen, values: f4f.top.store.values.slice() });
    f4f.dispose();
  }
  const [s, p] = results;
  const moved = maxAbsDiff(s.values, start);
  assert.ok(moved > 5e-3, 'the morph trained');
  // Not equal to rounding: the parts' gradients add up in another order (1e-7 relative), and once in a
  // while that puts one sample's relu pre-activation on the other side of 0, a real jump in one gradient
  // entry that Adam turns into up to one learning-rate step (measured 5.8e-4 here at lr 2e-3). A part
  // dropped or counted twice would move every parameter by as much as training does.
  assert.ok(maxAbsDiff(s.values, p.values) < 0.15 * moved, `${maxAbsDiff(s.values, p.values)} vs moved ${moved}`);
  for (const i of [0, 10, 19])
    for (const k of Object.keys(s.seen[i])) assert.ok(Math.abs(s.seen[i][k] - p.seen[i][k]) < 1e-5 * Math.max(1, Math.abs(s.seen[i][k])), `step ${i} ${k}: ${s.seen[i][k]} vs ${p.seen[i][k]}`);
  assert.ok(Math.abs(p.seen[19].penaltyWeight - 0.25 * (1 + Math.cos((Math.PI * 19) / 20))) < 1e-6);
});

test('workers end with the run: after cancel, after a worker fails to start, after the main thread throws', async () => {
  let n = 0;
  const a = nllProblem();
  const r = await train(a.obj, CFG, { workers: 2, cancelled: () => ++n > 5 });
  assert.equal(r.cancelled, true);
  assert.equal(r.steps, 5);
  assert.equal(liveWorkers(), 0);

  const b = nllProblem();
  await assert.rejects(train(b.obj, CFG, { workers: 2, workerScript: path.join(__dirname, 'no-such-worker.js') }), /parallel worker 0/);
  assert.equal(liveWorkers(), 0);

  const bad = condData(1, 1000);
  bad.x.fill(NaN);
  const c = new NllObjective(nllProblem().flow, bad, undefined, 96, 7);
  await assert.rejects(train(c, CFG, { workers: 2 }), /diverged at step 0/);
  assert.equal(liveWorkers(), 0);
});

test('thread count: explicit, env FLOWMORPH_WORKERS, default rule, and 1 for objectives no worker can rebuild', () => {
  const { obj } = nllProblem(512);
  // The environment is read at the edge (src/env.ts), as the CLI and the workers do at start.
  try {
    applyEnvironment({});
    const cores = os.availableParallelism();
    assert.equal(DEFAULT_MIN_BATCH, 512);
    assert.equal(resolveWorkers(obj, {}), cores >= DEFAULT_MIN_CORES ? 2 : 1);
    assert.equal(resolveWorkers(nllProblem(256).obj, {}), 1);
    assert.equal(resolveWorkers(obj, { workerScript: '/nonexistent/parallel-worker.js' }), 1);
    applyEnvironment({ FLOWMORPH_WORKERS: '1' });
    assert.equal(resolveWorkers(obj, {}), 1);
    applyEnvironment({ FLOWMORPH_WORKERS: '3' });
    assert.equal(resolveWorkers(obj, {}), 3);
    assert.equal(resolveWorkers(obj, { workers: 2 }), 2);
    assert.equal(resolveWorkers(new ShiftObjective(new Float32Array(1000), 512, 0), {}), 1);
  } finally {
    configureEngine({});
  }
});

test('a process that trains in parallel exits on its own', () => {
  const out = path.resolve(__dirname, '../../..');
  const script = `
    const { initBackend } = require(${JSON.stringify(path.join(out, 'src/core/tf'))});
    const { Flow } = require(${JSON.stringify(path.join(out, 'src/core/flow'))});
    const { NllObjective } = require(${JSON.stringify(path.join(out, 'src/core/objectives/nll'))});
    const { train } = require(${JSON.stringify(path.join(out, 'src/core/train/trainer'))});
    initBackend('wasm').then(async () => {
      const flow = new Flow({ features: 2, context: 0, transform: 'maf', stacks: 1, blocks: 1, hidden: 8, bins: 4, bound: 3, permutation: 'reverse', identityInit: false }, 0);
      const x = new Float32Array(400).map((_, i) => Math.sin(i));
      const r = await train(new NllObjective(flow, { x, rows: 200 }, undefined, 64, 0), { lr: 1e-3, batch: 64, steps: 3, cosine: false, clip: 0, seed: 0, validationFraction: 0, evalEvery: 100 }, { workers: 2 });
      console.log('workers=' + r.workers);
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.signal, null, 'the process had to be killed: a worker kept it alive');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /workers=2/);
});
