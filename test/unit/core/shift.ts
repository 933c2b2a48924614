/**
 * The smallest test of the training machinery (a test helper: no product code uses it): a "flow" x = z + μ with
 * z ~ N(0, 1) and one learned parameter μ, fitted by maximum likelihood (log p(x) = log N(x − μ; 0, 1))
 * with the same trainer, Adam and parameter store as every real flow. On N(2, 1) data, μ → 2.
 */
import { tf } from '../../../src/core/tf';
import { ParamStore, init } from '../../../src/core/params';
import { BatchSampler, gatherRows } from '../../../src/core/train/batches';
import { train, type Objective, type StepReport } from '../../../src/core/train/trainer';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export class ShiftObjective implements Objective {
  readonly store = new ParamStore();
  readonly mu: number;
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  private readonly sampler: BatchSampler;

  constructor(
    readonly data: Float32Array,
    batch: number,
    seed: number,
  ) {
    this.mu = this.store.add('mu', [1], init.zeros());
    this.sampler = new BatchSampler(data.length, batch, seed);
    this.stepsPerEpoch = this.sampler.stepsPerEpoch;
    this.samplesPerStep = this.sampler.batch;
  }

  loss(P: tf.Tensor[], step: number) {
    const idx = this.sampler.indices(step);
    const x = tf.tensor1d(gatherRows(this.data, 1, idx));
    const z = tf.sub(x, P[this.mu]);
    // −mean log N(z; 0, 1); the shift has unit Jacobian.
    return { loss: tf.add(tf.mul(0.5, tf.mean(tf.square(z))), HALF_LOG_2PI) as tf.Scalar };
  }

  validate(): number {
    const mu = this.muValue;
    let s = 0;
    for (const x of this.data) s += 0.5 * (x - mu) ** 2;
    return s / this.data.length + HALF_LOG_2PI;
  }

  get muValue(): number {
    return this.store.values[0];
  }
}

/** Fit μ to `data`; reports (step, μ, NLL) as it goes. */
export async function fitShift(data: Float32Array, opts: { steps?: number; lr?: number; batch?: number; seed?: number; onStep?: (r: StepReport, mu: number) => void } = {}) {
  const obj = new ShiftObjective(data, opts.batch ?? 256, opts.seed ?? 0);
  const r = await train(
    obj,
    { lr: opts.lr ?? 0.05, batch: opts.batch ?? 256, steps: opts.steps ?? 400, cosine: true, clip: 0, seed: opts.seed ?? 0, validationFraction: 0, evalEvery: 50 },
    { onStep: (s) => opts.onStep?.(s, obj.muValue) },
  );
  return { mu: obj.muValue, nll: obj.validate(), steps: r.steps };
}
