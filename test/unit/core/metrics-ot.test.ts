import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/data/matrix';
import { Rng } from '../../../src/core/random';
import { generateToy } from '../../../src/data/toys';
import { otCost, solveAssignment } from '../../../src/core/metrics';
import { auctionAssignment } from '../../../src/core/auction';

/** Minimum of Σ C[i, σ(i)] over all n! permutations (Heap's algorithm). */
function bruteForce(cost: Float64Array, n: number): number {
  const p = Array.from({ length: n }, (_, i) => i);
  const c = new Array(n).fill(0);
  const total = () => p.reduce((s, j, i) => s + cost[i * n + j], 0);
  let best = total();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [p[k], p[i]] = [p[i], p[k]];
      best = Math.min(best, total());
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return best;
}

function randomPoints(n: number, d: number, rng: Rng): Matrix {
  return matrix(n, d, Float32Array.from({ length: n * d }, () => rng.range(-2, 2)));
}

function costOf(a: Matrix, b: Matrix, p: 1 | 2): Float64Array {
  const n = a.rows;
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let q = 0;
      for (let j = 0; j < a.cols; j++) q += (a.data[i * a.cols + j] - b.data[k * a.cols + j]) ** 2;
      c[i * n + k] = p === 1 ? Math.sqrt(q) : q;
    }
  }
  return c;
}

function assertPermutation(m: Int32Array): void {
  const seen = new Set(m);
  assert.equal(seen.size, m.length);
  for (const j of m) assert.ok(j >= 0 && j < m.length);
}

test('assignment = brute force over all permutations, n ≤ 8, several seeds, Euclidean and squared costs', () => {
  const rng = new Rng(12);
  for (let n = 1; n <= 8; n++) {
    for (let trial = 0; trial < 4; trial++) {
      const a = randomPoints(n, 2, rng);
      const b = randomPoints(n, 2, rng);
      for (const p of [1, 2] as const) {
        const c = costOf(a, b, p);
        const sol = solveAssignment(c, n);
        assertPermutation(sol.rowToCol);
        const brute = bruteForce(c, n);
        assert.ok(Math.abs(sol.total - brute) < 1e-9, `n=${n} p=${p}: ${sol.total} vs ${brute}`);
        const r = otCost(a, b, { p });
        assert.ok(Math.abs((p === 1 ? r.w1 : r.w2sq) - brute / n) < 1e-9);
      }
    }
  }
});

test('assignment with heavy ties (small integer costs) still matches brute force', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + rng.int(7);
    const c = Float64Array.from({ length: n * n }, () => rng.int(4));
    const sol = solveAssignment(c, n);
    assertPermutation(sol.rowToCol);
    assert.equal(sol.total, bruteForce(c, n), `trial ${trial}`);
  }
  // All-equal costs and a zero matrix.
  assert.equal(solveAssignment(new Float64Array(25).fill(3), 5).total, 15);
  assert.equal(solveAssignment(new Float64Array(0), 0).total, 0);
  assert.throws(() => solveAssignment(Float64Array.from([0, NaN, 1, 1]), 2), /finite/);
});

test('assignment at n = 300 carries an optimality certificate: reduced costs ≥ 0, = 0 on the matching', () => {
  const rng = new Rng(8);
  const n = 300;
  const a = randomPoints(n, 3, rng);
  const b = randomPoints(n, 3, rng);
  for (const p of [1, 2] as const) {
    const c = costOf(a, b, p);
    const { rowToCol, u, v } = solveAssignment(c, n);
    assertPermutation(rowToCol);
    let minReduced = Infinity;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) minReduced = Math.min(minReduced, c[i * n + j] - u[i] - v[j]);
      assert.ok(Math.abs(c[i * n + rowToCol[i]] - u[i] - v[rowToCol[i]]) < 1e-12);
    }
    assert.ok(minReduced > -1e-9, `p=${p}: reduced cost ${minReduced}`);
  }
});

test('1-D: the sorted matching is optimal for both costs', () => {
  const rng = new Rng(2);
  const n = 400;
  const a = matrix(n, 1, Float32Array.from({ length: n }, () => rng.normal()));
  const b = matrix(n, 1, Float32Array.from({ length: n }, () => 2 * rng.uniform()));
  const sa = Float64Array.from(a.data).sort();
  const sb = Float64Array.from(b.data).sort();
  let w1 = 0;
  let w2 = 0;
  for (let i = 0; i < n; i++) {
    w1 += Math.abs(sa[i] - sb[i]);
    w2 += (sa[i] - sb[i]) ** 2;
  }
  const r = otCost(a, b);
  assert.equal(r.n, n);
  assert.deepEqual(r.exact, { w1: true, w2sq: true });
  assert.ok(Math.abs(r.w1 - w1 / n) < 1e-9, `${r.w1} vs ${w1 / n}`);
  assert.ok(Math.abs(r.w2sq - w2 / n) < 1e-9, `${r.w2sq} vs ${w2 / n}`);
});

test('otCost: identical clouds cost 0 with the identity matching; a translation by δ costs ‖δ‖ and ‖δ‖²', () => {
  const rng = new Rng(4);
  const a = randomPoints(200, 2, rng);
  const same = otCost(a, a);
  assert.equal(same.w1, 0);
  assert.equal(same.w2sq, 0);
  for (let i = 0; i < same.n; i++) assert.equal(same.bIndex[same.matching[i]], same.aIndex[i]);
  // Σ‖a_i − a_σ(i) − δ‖² = Σ‖a_i − a_σ(i)‖² + n‖δ‖² (cross term sums to 0), so σ = id; W1 ≥ ‖mean shift‖.
  const b = matrix(200, 2, Float32Array.from(a.data, (v, i) => v + (i % 2 === 0 ? 0.3 : -0.4)));
  const r = otCost(a, b);
  assert.ok(Math.abs(r.w1 - 0.5) < 1e-6, `${r.w1}`);
  assert.ok(Math.abs(r.w2sq - 0.25) < 1e-6, `${r.w2sq}`);
});

test('otCost: subsampling to maxPoints, unequal sizes, p = 1 only reports an upper bound for W2²', () => {
  const rng = new Rng(6);
  const a = randomPoints(120, 2, rng);
  const b = randomPoints(90, 2, rng);
  const r = otCost(a, b, { maxPoints: 50, seed: 3 });
  assert.equal(r.n, 50);
  assert.equal(new Set(r.aIndex).size, 50);
  assert.equal(otCost(a, b).n, 90);
  const p1 = otCost(a, b, { p: 1, maxPoints: 50, seed: 3 });
  const p2 = otCost(a, b, { p: 2, maxPoints: 50, seed: 3 });
  assert.deepEqual(p1.exact, { w1: true, w2sq: false });
  assert.deepEqual(p2.exact, { w1: false, w2sq: true });
  assert.equal(p1.w1, r.w1);
  assert.equal(p2.w2sq, r.w2sq);
  assert.ok(p1.w2sq >= r.w2sq - 1e-12 && p2.w1 >= r.w1 - 1e-12);
});

test('toys: four circles → checkerboard exact W1 on 500 vs 500 lies in the anchors band (0.94 ± 0.1)', () => {
  const a = generateToy('fourcircles', 500, 1).features;
  const b = generateToy('checkerboard', 500, 2).features;
  const r = otCost(a, b, { p: 1 });
  assert.ok(r.w1 > 0.84 && r.w1 < 1.04, `${r.w1}`);
  // Any matching is at least as long as the optimal one; the identity pairing here is far longer.
  let ident = 0;
  for (let i = 0; i < 500; i++) ident += Math.hypot(a.data[2 * i] - b.data[2 * i], a.data[2 * i + 1] - b.data[2 * i + 1]);
  assert.ok(ident / 500 > 3 * r.w1);
});

test('auction (large pairing blocks): a permutation within max(cost)/1000 of the exact optimum, ties and edge sizes included', () => {
  const total = (c: Float64Array, n: number, r: Int32Array) => r.reduce((s, j, i) => s + c[i * n + j], 0);
  const cmax = (c: Float64Array) => c.reduce((m, x) => Math.max(m, x), 0);
  const rng = new Rng(21);
  for (let n = 1; n <= 8; n++) {
    for (let trial = 0; trial < 4; trial++) {
      const c = costOf(randomPoints(n, 2, rng), randomPoints(n, 2, rng), 2);
      const r = auctionAssignment(c, n).rowToCol;
      assertPermutation(r);
      assert.ok(total(c, n, r) - bruteForce(c, n) <= cmax(c) / 1000 + 1e-12, `n=${n}`);
    }
  }
  // Geometric costs at the sizes it serves (a Gaussian-like cloud onto rings, squared distance).
  for (const n of [300, 600]) {
    const a = generateToy('eightstar', n, 3).features;
    const b = generateToy('concentricrings', n, 4).features;
    const c = costOf(a, b, 2);
    const r = auctionAssignment(c, n).rowToCol;
    assertPermutation(r);
    const exact = solveAssignment(c, n).total;
    const got = total(c, n, r);
    assert.ok(got >= exact - 1e-9 && got - exact <= cmax(c) / 1000, `n=${n}: ${got} vs ${exact}`);
  }
  // Heavy ties terminate (all-equal and small integer costs), and bad input is refused.
  const eq = auctionAssignment(new Float64Array(36).fill(3), 6).rowToCol;
  assertPermutation(eq);
  for (let trial = 0; trial < 20; trial++) {
    const n = 2 + rng.int(7);
    const c = Float64Array.from({ length: n * n }, () => rng.int(4));
    const r = auctionAssignment(c, n).rowToCol;
    assertPermutation(r);
    assert.ok(total(c, n, r) - bruteForce(c, n) <= 3 / 1000 + 1e-12, `ties, trial ${trial}`);
  }
  assert.equal(auctionAssignment(new Float64Array(0), 0).rowToCol.length, 0);
  assert.throws(() => auctionAssignment(Float64Array.from([0, NaN, 1, 1]), 2), /finite/);
});
