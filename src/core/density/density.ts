/**
 * A probability density over rows (as zuko's distributions and nflows' `Distribution`): log p(x | c) per
 * row, with optional condition columns c, and seeded sampling. A `Flow` (src/core/flow.ts) is built over
 * any base Density: the standard normal of an ordinary normalizing flow (Papamakarios et al. 2021,
 * arXiv:1912.02762), or a frozen flow (./frozen-flow.ts), which makes a flow for flows (Klein, Raine &
 * Golling 2022, arXiv:2211.02487) a Flow whose base is the target's frozen flow.
 */
import { tf } from '../tf';
import type { Rng } from '../random';

const LOG_2PI = Math.log(2 * Math.PI);

export interface Density {
  /** Columns of a row. */
  readonly features: number;
  /** Condition columns it reads (0: it ignores any condition it is given). */
  readonly context: number;
  /** log p(x | c) per row. */
  logProbT(x: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor1D;
  /** n rows (one per row of c when conditional), drawn with `rng` so runs are reproducible. */
  sample(n: number, rng: Rng, c?: Float32Array): Float32Array;
}

/** N(0, I) over `features` columns: the base of an ordinary normalizing flow. */
export class StandardNormal implements Density {
  readonly context = 0;

  constructor(readonly features: number) {}

  logProbT(z: tf.Tensor2D): tf.Tensor1D {
    return logProbStdNormal(z, null);
  }

  sample(n: number, rng: Rng): Float32Array {
    return rng.fillNormal(new Float32Array(n * this.features)) as Float32Array;
  }
}

/** log N(z; 0, I) + logDet, per row. */
export function logProbStdNormal(z: tf.Tensor2D, logDet: tf.Tensor1D | null): tf.Tensor1D {
  const D = z.shape[1];
  const base = tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), 0.5 * D * LOG_2PI) as tf.Tensor1D;
  return logDet ? (tf.add(base, logDet) as tf.Tensor1D) : base;
}
