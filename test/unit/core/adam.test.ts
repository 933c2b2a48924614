// The wasm Adam (src/core/train/adam.ts over dense.c's mask_sumsq / adam_update) against a plain float64
// Adam written from the paper (Kingma & Ba 2015, Algorithm 1) with torch's clip_grad_norm_ and the MADE
// masks applied to the gradient: same parameters, moments and returned norms within float32 rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam } from '../../../src/core/train/adam';

/** Plain Adam in float64: mask, clip to maxNorm (torch: scale by maxNorm / (norm + 1e-6)), update. */
class ReferenceAdam {
  step = 0;
  readonly m: Float64Array;
  readonly v: Float64Array;
  constructor(readonly size: number, readonly mask?: Float32Array, readonly b1 = 0.9, readonly b2 = 0.999, readonly eps = 1e-8) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  update(p: Float64Array, grad: Float32Array, lr: number, maxNorm: number): number {
    const g = Float64Array.from(grad, (x, i) => (this.mask ? x * this.mask[i] : x));
    const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    const scale = maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    this.step++;
    for (let i = 0; i < this.size; i++) {
      const gi = g[i] * scale;
      this.m[i] = this.b1 * this.m[i] + (1 - this.b1) * gi;
      this.v[i] = this.b2 * this.v[i] + (1 - this.b2) * gi * gi;
      const mh = this.m[i] / (1 - this.b1 ** this.step);
      const vh = this.v[i] / (1 - this.b2 ** this.step);
      p[i] -= (lr * mh) / (Math.sqrt(vh) + this.eps);
    }
    return norm;
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

for (const [label, size, masked, maxNorm] of [
  ['unmasked, no clipping', 1031, false, 0],
  ['masked, clipped every step', 517, true, 0.5],
  ['masked, clipping that seldom binds', 4099, true, 40],
] as const) {
  test(`wasm Adam = a float64 reference Adam (${label}, ${size} parameters, 50 steps)`, () => {
    const r = rng(size);
    const mask = masked ? Float32Array.from({ length: size }, () => (r() > -0.4 ? 1 : 0)) : undefined;
    const ours = new Adam(size, mask);
    const ref = new ReferenceAdam(size, mask);
    const p = Float32Array.from({ length: size }, () => r());
    const p0 = p.slice();
    const q = Float64Array.from(p);
    const prev = Float64Array.from(p);
    let clipped = 0;
    for (let step = 0; step < 50; step++) {
      const lr = 1e-2 * (1 - step / 100);
      // A gradient that depends on the parameters (a quadratic bowl) plus noise, some steps large.
      const g = Float32Array.from(p, (x, i) => (x - Math.sin(i)) * (step % 7 === 0 ? 30 : 1) + 0.1 * r());
      ours.gradient.set(g);
      const n1 = ours.step(p, lr, maxNorm);
      const n2 = ref.update(q, g, lr, maxNorm);
      if (maxNorm > 0 && n2 > maxNorm) clipped++;
      assert.ok(Math.abs(n1 - n2) <= 1e-5 * n2, `step ${step}: norm ${n1} vs ${n2}`);
      // The update itself: our float32 step against the float64 one, then follow our parameters so that
      // rounding does not compound.
      for (let i = 0; i < size; i++) {
        const step64 = q[i] - prev[i];
        assert.ok(Math.abs(p[i] - q[i]) <= 2e-7 + 1e-4 * Math.abs(step64), `step ${step}, parameter ${i}: ${p[i]} vs ${q[i]}`);
        q[i] = prev[i] = p[i];
      }
    }
    assert.equal(ours.state.step, 50);
    let maxErr = 0;
    for (let i = 0; i < size; i++) {
      maxErr = Math.max(maxErr, Math.abs(ours.state.m[i] - ref.m[i]) / (Math.abs(ref.m[i]) + 1e-6), Math.abs(ours.state.v[i] - ref.v[i]) / (Math.abs(ref.v[i]) + 1e-9));
      if (mask && mask[i] === 0) assert.equal(p[i], p0[i], `masked parameter ${i} moved`);
    }
    assert.ok(maxErr < 1e-4, `moments differ by ${maxErr} (relative)`);
    if (maxNorm === 0.5) assert.equal(clipped, 50, 'every step clips');
    if (maxNorm === 40) assert.ok(clipped > 0 && clipped < 50, `clipped ${clipped} of 50 steps`);
    const moved = p.reduce((s, x, i) => s + Math.abs(x - p0[i]), 0);
    assert.ok(moved > 0, 'the parameters moved');
  });
}
