// Shared helpers for engine tests: small flow configs, randomised parameters that respect MADE masks,
// and reading a tensor function over a Float32Array.
import type { FlowConfig } from '../../../src/core/config';
import { Flow } from '../../../src/core/flow';
import type { ParamStore } from '../../../src/core/params';
import { Rng } from '../../../src/core/random';
import { tf } from '../../../src/core/tf';

export function smallFlow(over: Partial<FlowConfig> = {}): FlowConfig {
  return {
    features: 3,
    context: 0,
    transform: 'maf',
    stacks: 3,
    blocks: 1,
    hidden: 16,
    bins: 6,
    bound: 3,
    permutation: 'reverse',
    identityInit: false,
    ...over,
  };
}

/** Move every parameter by N(0, scale²), keeping masked (structurally zero) entries at zero. */
export function randomize(store: ParamStore, seed: number, scale: number): void {
  const rng = new Rng(seed);
  const v = store.values;
  for (const s of store.specs) {
    for (let i = 0; i < s.size; i++) {
      if (s.mask && s.mask[i] === 0) continue;
      v[s.offset + i] += scale * rng.normal();
    }
  }
  store.touch();
}

export function points(seed: number, n: number, d: number, spread: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n * d), -spread, spread) as Float32Array;
}

/** Apply a tensor function to rows and read the result back. */
export function run2d(x: Float32Array, d: number, f: (t: tf.Tensor2D) => tf.Tensor): Float32Array {
  return tf.tidy(() => f(tf.tensor2d(x, [x.length / d, d])).dataSync() as Float32Array).slice();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function flowOf(cfg: FlowConfig, seed = 0, perturb = 0.3): Flow {
  const f = new Flow(cfg, seed);
  if (perturb > 0) randomize(f.store, seed + 1, perturb);
  return f;
}
