/**
 * Maximum likelihood for a base flow: minimise the mean negative log-likelihood of mini-batches,
 * −(1/B) Σ log p(x_b | c_b).
 */
import { tf } from '../tf';
import type { Flow } from '../flow';
import { meanNll } from '../metrics/nll';
import type { ParamTensors } from '../params';
import { BatchSampler, gatherRows } from '../train/batches';
import type { Objective, StepLoss } from '../train/trainer';

export interface Sample {
  x: Float32Array;
  /** Condition columns, row-major, when the flow is conditional. */
  c?: Float32Array;
  rows: number;
}

export class NllObjective implements Objective {
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  private readonly sampler: BatchSampler;
  private readonly xb: Float32Array;
  private readonly cb: Float32Array | undefined;

  constructor(
    readonly flow: Flow,
    readonly trainSet: Sample,
    readonly valSet: Sample | undefined,
    batch: number,
    seed: number,
  ) {
    this.sampler = new BatchSampler(trainSet.rows, batch, seed);
    this.stepsPerEpoch = this.sampler.stepsPerEpoch;
    this.samplesPerStep = this.sampler.batch;
    this.xb = new Float32Array(this.sampler.batch * flow.features);
    this.cb = flow.config.context > 0 ? new Float32Array(this.sampler.batch * flow.config.context) : undefined;
  }

  get store() {
    return this.flow.store;
  }

  loss(P: ParamTensors, step: number): StepLoss {
    const idx = this.sampler.indices(step);
    const D = this.flow.features;
    const C = this.flow.config.context;
    gatherRows(this.trainSet.x, D, idx, this.xb);
    const x = tf.tensor2d(this.xb, [idx.length, D]);
    let c: tf.Tensor2D | null = null;
    if (this.cb && this.trainSet.c) c = tf.tensor2d(gatherRows(this.trainSet.c, C, idx, this.cb), [idx.length, C]);
    return { loss: tf.neg(tf.mean(this.flow.logProbT(x, c, P))) as tf.Scalar };
  }

  validate(): number {
    const s = this.valSet ?? this.trainSet;
    return meanNll(this.flow.logProb(s.x, s.c));
  }
}
