/**
 * Maximum likelihood for a base flow: minimise the mean negative log-likelihood of mini-batches,
 * −(1/B) Σ log p(x_b | c_b).
 */
import { tf } from '../tf';
import type { Flow } from '../flow';
import { meanNll } from '../metrics/nll-summary';
import type { ParamTensors } from '../params';
import { BatchSampler, gatherRows } from '../train/batches';
import { partOf, type BatchPart } from '../train/part';
import type { FlowConfig } from '../config';
import type { Objective, ObjectiveRecipe, StepLoss } from '../train/objective';

export interface Sample {
  x: Float32Array;
  /** Condition columns, row-major, when the flow is conditional. */
  c?: Float32Array;
  rows: number;
}

/** What a worker thread rebuilds an NllObjective from (src/core/objectives/spec.ts). */
export interface NllRecipe extends ObjectiveRecipe {
  kind: 'nll';
  flow: { config: FlowConfig; seed: number };
  batch: number;
  seed: number;
  train: Sample;
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
    /** Requested batch size and batch seed (kept for the recipe a worker rebuilds this objective from). */
    readonly batch: number,
    readonly seed: number,
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

  /** Mean NLL of step `step`'s batch; with `part`, that part's share (sum over its rows / batch size). */
  loss(P: ParamTensors, step: number, _fraction?: number, part?: BatchPart): StepLoss {
    const all = this.sampler.indices(step);
    const idx = partOf(all, part);
    const D = this.flow.features;
    const C = this.flow.config.context;
    const n = idx.length;
    const x = tf.tensor2d(gatherRows(this.trainSet.x, D, idx, this.xb).subarray(0, n * D), [n, D]);
    let c: tf.Tensor2D | null = null;
    if (this.cb && this.trainSet.c) c = tf.tensor2d(gatherRows(this.trainSet.c, C, idx, this.cb).subarray(0, n * C), [n, C]);
    const lp = this.flow.logProbT(x, c, P);
    if (!part) return { loss: tf.neg(tf.mean(lp)) as tf.Scalar };
    return { loss: tf.div(tf.neg(tf.sum(lp)), all.length) as tf.Scalar };
  }

  recipe(): NllRecipe {
    const { x, c, rows } = this.trainSet;
    return { kind: 'nll', flow: { config: this.flow.config, seed: this.flow.seed }, batch: this.batch, seed: this.seed, train: { x, c, rows } };
  }

  validate(): number {
    const s = this.valSet ?? this.trainSet;
    return meanNll(this.flow.logProb(s.x, s.c));
  }
}
