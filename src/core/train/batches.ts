/**
 * Mini-batch indices as a pure function of (seed, step): each epoch is a fresh seeded shuffle, so a run
 * resumed from a checkpoint at step s sees exactly the batches it would have seen.
 */
import { Rng } from '../random';

export class BatchSampler {
  readonly stepsPerEpoch: number;
  readonly batch: number;
  private epoch = -1;
  private order: Int32Array = new Int32Array(0);

  constructor(
    readonly n: number,
    batch: number,
    readonly seed: number,
  ) {
    if (n <= 0) throw new Error('no training rows');
    this.batch = Math.min(batch, n);
    this.stepsPerEpoch = Math.max(1, Math.floor(n / this.batch));
  }

  /** Row indices of training step `step` (0-based). */
  indices(step: number): Int32Array {
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (epoch !== this.epoch) {
      this.order = new Rng((this.seed * 7919 + epoch * 104729) >>> 0).permutation(this.n);
      this.epoch = epoch;
    }
    const k = step % this.stepsPerEpoch;
    return this.order.subarray(k * this.batch, (k + 1) * this.batch);
  }
}

/** Gather rows of a row-major array into a new array. */
export function gatherRows(src: Float32Array, cols: number, idx: ArrayLike<number>, out?: Float32Array): Float32Array {
  const o = out ?? new Float32Array(idx.length * cols);
  for (let i = 0; i < idx.length; i++) {
    const s = idx[i] * cols;
    for (let j = 0; j < cols; j++) o[i * cols + j] = src[s + j];
  }
  return o;
}
