/**
 * The flows-for-flows objective (Klein, Raine & Golling 2022, arXiv:2211.02487; Golling et al. 2023,
 * arXiv:2309.06472): the top flow g is a Flow whose base is the target's frozen flow, so the forward
 * loss is its negative log-likelihood on source rows, with the movement penalty,
 *   −log p(x) = −log q_target(g(x)) − log|det ∂g/∂x| + λ·d(x, g(x)),
 * and the inverse direction scores g⁻¹(y) of target rows under the source's frozen flow. Method ot-f4f
 * adds a regression of g(x) onto x's exact-OT partner, cosine-annealed after a pretraining share; cfm-f4f
 * regresses onto a trained velocity field's transport T(x) instead (src/core/distil.ts).
 */
import { tf } from '../tf';
import { drawsOtherCondition } from '../morph-modes';
import type { ParamTensors } from '../params';
import { Rng } from '../random';
import { BatchSampler, gatherRows } from '../train/batches';
import { partOf, type BatchPart } from '../train/part';
import { cosine } from '../train/schedule';
import type { FlowConfig, MorphConfig } from '../config';
import type { DensityAffine, FrozenDensity } from '../density/frozen-flow';
import type { Flow } from '../flow';
import type { ObjectiveRecipe, StepLoss } from '../train/objective';
import { MorphObjective, pairCost, pairedBatch, stepDirection, type MorphSample, type PairedBatch } from './morph';

/** A frozen base flow of a flow for flows in a recipe: which of the recipe's `bases`, and the map from morph space. */
export interface DensityRecipe {
  /** Index into `bases` (two densities may share one flow, as in mode two-bases-shared). */
  base: number;
  affine: DensityAffine;
}

/** What a worker thread rebuilds a FlowForFlowObjective from (src/core/objectives/spec.ts). */
export interface F4fRecipe extends ObjectiveRecipe {
  kind: 'f4f';
  morph: MorphConfig;
  /** Condition columns of the data. */
  conditions: number;
  /** Seed of the top flow. */
  seed: number;
  /** The frozen base flows: recipe and weights (snapshots: the main thread never changes them). */
  bases: { config: FlowConfig; seed: number; weights: Float32Array }[];
  source: DensityRecipe;
  target: DensityRecipe;
  src: MorphSample;
  tgt: MorphSample;
}

export class FlowForFlowObjective extends MorphObjective {
  /** The recipe for method f4f; the OT-paired methods pair whole batches, so they are never split into parts. */
  recipe(): F4fRecipe | undefined {
    const f = this.f4f;
    if ((f.config.method ?? 'f4f') !== 'f4f') return undefined;
    const flows: Flow[] = [];
    const density = (d: FrozenDensity): DensityRecipe => {
      let i = flows.indexOf(d.flow);
      if (i < 0) i = flows.push(d.flow) - 1;
      return { base: i, affine: d.affine };
    };
    const source = density(f.source);
    const target = density(f.target);
    return {
      kind: 'f4f',
      morph: f.config,
      conditions: f.conditions,
      seed: f.seed,
      bases: flows.map((b) => ({ config: b.config, seed: b.seed, weights: b.store.values })),
      source,
      target,
      src: { x: this.src.x, c: this.src.c, rows: this.src.rows },
      tgt: { x: this.tgt.x, c: this.tgt.c, rows: this.tgt.rows },
    };
  }

  /**
   * One direction's mean loss on a batch. `from` are the rows moved, `other` supplies conditions drawn
   * from the other side (delta / concat modes). Returns [mean objective, mean NLL, mean L2 displacement];
   * with `batchRows`, sums over the rows divided by `batchRows` instead of means (a part's share).
   */
  private directional(
    inverse: boolean,
    from: MorphSample,
    idx: ArrayLike<number>,
    other: MorphSample,
    otherIdx: ArrayLike<number>,
    P: ParamTensors,
    weight: number,
    batchRows?: number,
  ): [tf.Scalar, tf.Scalar, tf.Scalar] {
    const f = this.f4f;
    const D = f.features;
    const C = f.conditions;
    const n = idx.length;
    const x = tf.tensor2d(gatherRows(from.x, D, idx), [n, D]);
    let cOwn: tf.Tensor2D | null = null;
    let cOther: tf.Tensor2D | null = null;
    if (C > 0 && from.c) {
      cOwn = tf.tensor2d(gatherRows(from.c, C, idx), [n, C]);
      if (drawsOtherCondition(f.config.mode) && other.c) {
        // The two sides' batches differ in size when one dataset has fewer rows than the batch: pair
        // cyclically so every moved row still gets a condition from the other side.
        const pair = otherIdx.length === n ? otherIdx : Int32Array.from({ length: n }, (_, i) => otherIdx[i % otherIdx.length]);
        cOther = tf.tensor2d(gatherRows(other.c, C, pair), [n, C]);
      } else cOther = cOwn;
    }
    // Forward: x is a source row with c_in = own, c_out = other. Inverse: x is a target row with c_out = own.
    const cIn = inverse ? cOther : cOwn;
    const cOut = inverse ? cOwn : cOther;
    const r = f.gT(x, cIn, cOut, P, inverse);
    // Forward, this is the top flow's own log-likelihood: its base is the target's frozen flow.
    const density = inverse ? f.source : f.top.base;
    const lp = density.logProbT(r.y, inverse ? cIn : cOut);
    const nll = tf.neg(r.logDet ? tf.add(lp, r.logDet) : lp) as tf.Tensor1D;
    const mean = (t: tf.Tensor1D) => (batchRows === undefined ? tf.mean(t) : tf.div(tf.sum(t), batchRows)) as tf.Scalar;
    const disp = mean(tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(r.y, x)), 1), 1e-12)) as tf.Tensor1D);
    const nllMean = mean(nll);
    const obj = weight > 0 ? (tf.add(nllMean, tf.mul(weight, mean(f.penalty(x, r.y)))) as tf.Scalar) : nllMean;
    return [obj, nllMean, disp];
  }

  /**
   * The step's loss (and extras); with `part`, that part's share of every value (src/core/train/part.ts):
   * each direction's sums over the part's rows divided by that direction's full batch size.
   */
  loss(P: ParamTensors, step: number, fraction: number, part?: BatchPart): StepLoss {
    const f = this.f4f;
    const dir = stepDirection(f.config.direction, step, this.stepsPerEpoch, f.config.iterateEpochs);
    const weight = f.penaltyWeight(fraction);
    const siAll = this.srcSampler.indices(step);
    const tiAll = this.tgtSampler.indices(step);
    if (f.config.method === 'ot-f4f' || f.config.method === 'cfm-f4f') {
      // Not split into parts (recipe() describes method f4f only).
      const ot = f.config.ot;
      const pb = f.config.method === 'cfm-f4f' ? this.partnerBatch(step) : this.stepPairs(step);
      const reg = this.regression(pb, dir, P);
      if (fraction < ot.pretrain) return { loss: reg, extras: { regression: reg, displacement: pairCost(pb, f.features) } };
      const w = cosine(ot.regressionWeight, (fraction - ot.pretrain) / Math.max(1e-9, 1 - ot.pretrain));
      const lik = this.likelihood(P, dir, weight, siAll, tiAll, siAll, tiAll);
      lik.extras.regression = reg;
      lik.extras.regressionWeight = tf.scalar(w);
      return { loss: w > 0 ? (tf.add(lik.loss, tf.mul(w, reg)) as tf.Scalar) : lik.loss, extras: lik.extras };
    }
    return this.likelihood(P, dir, weight, siAll, tiAll, partOf(siAll, part), partOf(tiAll, part), part);
  }

  private partnerSampler?: BatchSampler;

  /** cfm-f4f: step `step`'s batch of (x, T(x)) pairs from the distilled partners (src/core/distil.ts). */
  private partnerBatch(step: number): PairedBatch {
    const f = this.f4f;
    const pr = f.partners;
    if (!pr) throw new Error('morph method cfm-f4f: the velocity field has not been distilled (distilPartners runs before training)');
    this.partnerSampler ??= new BatchSampler(pr.n, f.config.train.batch, f.config.train.seed + 2);
    const idx = this.partnerSampler.indices(step);
    const D = f.features;
    const C = f.conditions;
    return {
      n: idx.length,
      x: gatherRows(pr.x, D, idx),
      y: gatherRows(pr.y, D, idx),
      cx: pr.cx ? gatherRows(pr.cx, C, idx) : undefined,
      cy: pr.cy ? gatherRows(pr.cy, C, idx) : undefined,
    };
  }

  /** Mean squared distance of g(x) to x's OT partner (forward) and of g⁻¹(y) to y's partner (inverse). */
  private regression(pb: PairedBatch, dir: 'forward' | 'inverse' | 'both', P: ParamTensors): tf.Scalar {
    const f = this.f4f;
    const D = f.features;
    const C = f.conditions;
    const x = tf.tensor2d(pb.x, [pb.n, D]);
    const y = tf.tensor2d(pb.y, [pb.n, D]);
    const cx = C > 0 && pb.cx ? tf.tensor2d(pb.cx, [pb.n, C]) : null;
    const cy = C > 0 && pb.cy ? tf.tensor2d(pb.cy, [pb.n, C]) : null;
    // c_in is the source side's condition, c_out the target side's; modes without a drawn condition use
    // the moved row's own condition for both.
    const other = drawsOtherCondition(f.config.mode);
    const mse = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.mean(tf.sum(tf.square(tf.sub(a, b)), 1)) as tf.Scalar;
    let l: tf.Scalar | undefined;
    if (dir !== 'inverse') l = mse(f.gT(x, cx, other ? cy : cx, P, false).y, y);
    if (dir !== 'forward') {
      const li = mse(f.gT(y, other ? cx : cy, cy, P, true).y, x);
      l = l ? (tf.add(l, li) as tf.Scalar) : li;
    }
    return l as tf.Scalar;
  }

  /** The flows-for-flows likelihood (and penalty) of a step's batch, or of a part of it. */
  private likelihood(
    P: ParamTensors,
    dir: 'forward' | 'inverse' | 'both',
    weight: number,
    siAll: Int32Array,
    tiAll: Int32Array,
    si: Int32Array,
    ti: Int32Array,
    part?: BatchPart,
  ): StepLoss & { extras: Record<string, tf.Scalar> } {
    // A constant is reported as the part's share of it, so the shares of all parts add up to it.
    const extras: Record<string, tf.Scalar> = { penaltyWeight: tf.scalar(part ? (weight * si.length) / siAll.length : weight) };
    let loss: tf.Scalar | undefined;
    if (dir !== 'inverse') {
      const [o, nll, d] = this.directional(false, this.src, si, this.tgt, ti, P, weight, part ? siAll.length : undefined);
      loss = o;
      extras.lossForward = nll;
      extras.displacement = d;
    }
    if (dir !== 'forward') {
      const [o, nll, d] = this.directional(true, this.tgt, ti, this.src, si, P, weight, part ? tiAll.length : undefined);
      loss = loss ? (tf.add(loss, o) as tf.Scalar) : o;
      extras.lossInverse = nll;
      if (!extras.displacement) extras.displacement = d;
    }
    return { loss: loss as tf.Scalar, extras };
  }

  /** Held-out NLL of the morph: forward (source val under the target density), plus inverse when trained. */
  validate(): number {
    const v = this.val ?? { src: this.src, tgt: this.tgt };
    const usesInverse = this.f4f.config.direction !== 'forward';
    const usesForward = this.f4f.config.direction !== 'inverse';
    let total = 0;
    let k = 0;
    if (usesForward) (total += this.heldOut(false, v.src, v.tgt)), k++;
    if (usesInverse) (total += this.heldOut(true, v.tgt, v.src)), k++;
    return total / k;
  }

  private heldOut(inverse: boolean, from: MorphSample, other: MorphSample): number {
    const P = this.f4f.top.params();
    const rng = new Rng(12345);
    const n = Math.min(from.rows, 5000);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const otherIdx = Int32Array.from({ length: n }, () => rng.int(other.rows));
    const r = tf.tidy(() => this.directional(inverse, from, idx, other, otherIdx, P, 0)[1]);
    const v = r.dataSync()[0];
    r.dispose();
    return v;
  }
}

