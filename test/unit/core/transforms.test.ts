// Every transform and whole flows: inverse(forward(x)) = x (inside and outside the spline's tails), and
// log|det J| against a finite-difference Jacobian determinant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/tf';
import type { FlowConfig } from '../../../src/core/config';
import { Flow } from '../../../src/core/flow';
import { ParamStore } from '../../../src/core/params';
import { Rng } from '../../../src/core/random';
import { LULinear } from '../../../src/core/transforms/lu';
import { Permutation } from '../../../src/core/transforms/permutation';
import type { Transform } from '../../../src/core/transforms/transform';
import { flowOf, maxAbsDiff, points, randomize, smallFlow } from './helpers';

const CASES: [string, Partial<FlowConfig>][] = [
  ['maf + reverse', {}],
  ['maf + random', { permutation: 'random' }],
  ['maf + lu', { permutation: 'lu' }],
  ['coupling + reverse', { transform: 'coupling' }],
  ['coupling + lu', { transform: 'coupling', permutation: 'lu' }],
  ['maf with context', { context: 2 }],
  ['coupling with context', { transform: 'coupling', context: 2 }],
  ['maf, one feature', { features: 1, context: 1 }],
];

function ctxFor(cfg: FlowConfig, n: number): Float32Array | undefined {
  return cfg.context ? points(99, n, cfg.context, 1) : undefined;
}

test('setup backend', async () => {
  await initBackend('wasm');
});

for (const [name, over] of CASES) {
  test(`${name}: inverse(forward(x)) = x within 1e-4, inside and outside the tails`, () => {
    const cfg = smallFlow(over);
    const flow = flowOf(cfg, 3, 0.1);
    const n = 400;
    // Half the points inside [−bound, bound], half well into the linear tails.
    const x = points(5, n, cfg.features, 2 * cfg.bound);
    const c = ctxFor(cfg, n);
    const z = flow.toNoise(x, c);
    assert.ok(maxAbsDiff(z, x) > 1e-2, 'the perturbed flow is not the identity');
    const back = flow.fromNoise(z, c);
    assert.ok(maxAbsDiff(back, x) < 1e-4, `round trip error ${maxAbsDiff(back, x)}`);
    // log-dets of the two directions cancel.
    const ld = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, cfg.features]);
      const ct = c ? tf.tensor2d(c, [n, cfg.context]) : null;
      const f = flow.toNoiseT(xt, ct, flow.params());
      const b = flow.fromNoiseT(f.y, ct, flow.params());
      return tf.add(f.logDet!, b.logDet!).dataSync();
    });
    assert.ok(maxAbsDiff(ld, new Float32Array(n)) < 5e-3, `logdet sum ${maxAbsDiff(ld, new Float32Array(n))}`);
    flow.dispose();
  });

  test(`${name}: log|det J| equals a finite-difference Jacobian determinant within 1e-3`, () => {
    const cfg = smallFlow(over);
    const flow = flowOf(cfg, 7, 0.1);
    const D = cfg.features;
    const n = 24;
    const x = points(11, n, D, 1.3 * cfg.bound);
    const c = ctxFor(cfg, n);
    const ld = tf.tidy(() => flow.toNoiseT(tf.tensor2d(x, [n, D]), c ? tf.tensor2d(c, [n, cfg.context]) : null, flow.params()).logDet!.dataSync().slice());
    const h = 2e-3;
    // Central differences, all rows and directions in one batch: rows (i, j, ±).
    const probe = new Float32Array(n * D * 2 * D);
    const pc = c ? new Float32Array(n * D * 2 * cfg.context) : undefined;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < D; j++)
        for (let s = 0; s < 2; s++) {
          const r = (i * D + j) * 2 + s;
          probe.set(x.subarray(i * D, i * D + D), r * D);
          probe[r * D + j] += s === 0 ? h : -h;
          if (pc && c) pc.set(c.subarray(i * cfg.context, (i + 1) * cfg.context), r * cfg.context);
        }
    const out = flow.toNoise(probe, pc);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const J: number[][] = [];
      for (let a = 0; a < D; a++) J.push(new Array(D).fill(0));
      for (let j = 0; j < D; j++) {
        const rp = (i * D + j) * 2;
        for (let a = 0; a < D; a++) J[a][j] = (out[rp * D + a] - out[(rp + 1) * D + a]) / (2 * h);
      }
      const fd = Math.log(Math.abs(det(J)));
      worst = Math.max(worst, Math.abs(fd - ld[i]) / Math.max(1, Math.abs(fd)));
    }
    assert.ok(worst < 1e-3, `worst log-det mismatch ${worst}`);
    flow.dispose();
  });
}

test('LU-linear alone: inverse is exact and log|det| = Σ log diag U', () => {
  const store = new ParamStore();
  const lu: Transform = new LULinear(store, 'lu', 4, false, new Rng(1));
  randomize(store, 2, 0.5);
  const x = points(3, 50, 4, 5);
  const r = tf.tidy(() => {
    const P = store.upload();
    const f = lu.forward(tf.tensor2d(x, [50, 4]), null, P);
    const b = lu.inverse(f.y, null, P);
    return [b.y.dataSync().slice(), f.logDet!.dataSync().slice(), tf.add(f.logDet!, b.logDet!).dataSync().slice()];
  });
  assert.ok(maxAbsDiff(r[0], x) < 1e-4);
  assert.ok(maxAbsDiff(r[2], new Float32Array(50)) < 1e-5);
  const expected = Array.from(store.get('lu.logDiag')).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(expected) > 0.1, 'the log-diagonal was perturbed');
  assert.ok(Math.abs(r[1][0] - expected) < 1e-4, `${r[1][0]} vs ${expected}`);
});

test('permutation: forward permutes columns, inverse undoes it, no log-det', () => {
  const p = new Permutation([2, 0, 1]);
  const x = new Float32Array([1, 2, 3, 4, 5, 6]);
  const y = tf.tidy(() => p.forward(tf.tensor2d(x, [2, 3]), null, []).y.dataSync().slice());
  assert.deepEqual(Array.from(y), [3, 1, 2, 6, 4, 5]);
  const back = tf.tidy(() => p.inverse(tf.tensor2d(y, [2, 3]), null, []).y.dataSync().slice());
  assert.deepEqual(Array.from(back), Array.from(x));
  assert.equal(p.forward(tf.tensor2d(x, [2, 3]), null, []).logDet, null);
});

function det(m: number[][]): number {
  const n = m.length;
  const a = m.map((r) => r.slice());
  let d = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (a[p][c] === 0) return 0;
    if (p !== c) ([a[p], a[c]] = [a[c], a[p]]), (d = -d);
    d *= a[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      for (let k = c; k < n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return d;
}

test('Flow.logProb equals log N(f(x)) + log|det|', () => {
  const cfg = smallFlow({ features: 2 });
  const flow = flowOf(cfg, 4, 0.3);
  const x = points(6, 10, 2, 3);
  const z = flow.toNoise(x);
  const lp = flow.logProb(x);
  const ld = tf.tidy(() => flow.toNoiseT(tf.tensor2d(x, [10, 2]), null, flow.params()).logDet!.dataSync().slice());
  for (let i = 0; i < 10; i++) {
    const base = -0.5 * (z[2 * i] ** 2 + z[2 * i + 1] ** 2) - Math.log(2 * Math.PI);
    assert.ok(Math.abs(lp[i] - (base + ld[i])) < 1e-4);
  }
  flow.dispose();
});

test('Flow is reproducible from its seed', () => {
  const a = new Flow(smallFlow({ permutation: 'random' }), 42);
  const b = new Flow(smallFlow({ permutation: 'random' }), 42);
  const c = new Flow(smallFlow({ permutation: 'random' }), 43);
  assert.deepEqual(a.store.values, b.store.values);
  assert.notDeepEqual(a.store.values, c.store.values);
});
