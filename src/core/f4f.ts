/**
 * Flows for flows (Klein, Raine & Golling 2022, arXiv:2211.02487; Golling et al. 2023, arXiv:2309.06472).
 *
 * Two base flows are trained by maximum likelihood on the source and the target, then frozen. A top flow
 * g is trained so that source samples pushed through it are likely under the target's flow:
 *   log p(x) = log q_target(g(x)) + log|det ∂g/∂x| − λ·d(x, g(x)),
 * and, in the inverse direction, target samples pulled through g⁻¹ are likely under the source's flow.
 *
 * Everything here lives in "morph space": the source model's preprocessed coordinates. A base flow fitted
 * with another preprocessing is evaluated through a fixed diagonal affine map A (log q(Ay + b) + log|A|), so
 * an identity-initialised g is exactly the identity in the user's units as well.
 */
import { tf } from './tf';
import { MORPH_METHODS, type ContextMode, type MorphConfig } from './config';
import { flowMatchingLoss, VelocityField } from './cfm';
import { checkPairingSize, otPairs } from './ot-pairs';
import type { ParamStore } from './params';
import { Flow, logProbStdNormal, mapRows } from './flow';
import type { ParamTensors } from './params';
import { Rng } from './random';
import { BatchSampler, gatherRows } from './train/batches';
import { partOf, type BatchPart } from './train/part';
import { cosine } from './train/schedule';
import type { Objective, StepLoss } from './train/trainer';
import type { TransformResult } from './transforms/transform';

/** A per-feature affine map y ↦ scale·y + shift (and c ↦ cScale·c + cShift); omitted parts are the identity. */
export interface DensityAffine {
  scale?: Float32Array;
  shift?: Float32Array;
  cScale?: Float32Array;
  cShift?: Float32Array;
}

/**
 * A frozen base flow seen from morph space through y ↦ scale·y + shift (per feature), with its condition
 * columns mapped likewise (c ↦ cScale·c + cShift) from the morph's condition units.
 */
export class FrozenDensity {
  private readonly scaleT: tf.Tensor2D;
  private readonly shiftT: tf.Tensor2D;
  private readonly cScaleT: tf.Tensor2D | null;
  private readonly cShiftT: tf.Tensor2D | null;
  private readonly logDetA: number;
  readonly identity: boolean;

  constructor(
    readonly flow: Flow,
    /** Kept so src/core/objectives/spec.ts can rebuild this density in a worker. */
    readonly affine: DensityAffine = {},
  ) {
    const D = flow.features;
    const C = flow.config.context;
    const s = affine.scale ?? new Float32Array(D).fill(1);
    const b = affine.shift ?? new Float32Array(D);
    this.identity = s.every((v) => v === 1) && b.every((v) => v === 0);
    this.scaleT = tf.keep(tf.tensor2d(s, [1, D]));
    this.shiftT = tf.keep(tf.tensor2d(b, [1, D]));
    const cIdentity = !affine.cScale || (affine.cScale.every((v) => v === 1) && (affine.cShift ?? []).every((v) => v === 0));
    this.cScaleT = C > 0 && !cIdentity ? tf.keep(tf.tensor2d(affine.cScale as Float32Array, [1, C])) : null;
    this.cShiftT = C > 0 && !cIdentity ? tf.keep(tf.tensor2d(affine.cShift ?? new Float32Array(C), [1, C])) : null;
    this.logDetA = s.reduce((a, v) => a + Math.log(Math.abs(v)), 0);
  }

  private cond(c: tf.Tensor2D | null): tf.Tensor2D | null {
    if (!this.conditional || !c) return null;
    return this.cScaleT && this.cShiftT ? (tf.add(tf.mul(c, this.cScaleT), this.cShiftT) as tf.Tensor2D) : c;
  }

  get conditional(): boolean {
    return this.flow.config.context > 0;
  }

  private toFlowSpace(y: tf.Tensor2D): tf.Tensor2D {
    return this.identity ? y : (tf.add(tf.mul(y, this.scaleT), this.shiftT) as tf.Tensor2D);
  }

  /** log q(y | c) in morph space. */
  logProbT(y: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor1D {
    const lp = this.flow.logProbT(this.toFlowSpace(y), this.cond(c), this.flow.params());
    return this.logDetA === 0 ? lp : (tf.add(lp, this.logDetA) as tf.Tensor1D);
  }

  /** Morph space → the base flow's noise. */
  toNoiseT(y: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor2D {
    return this.flow.toNoiseT(this.toFlowSpace(y), this.cond(c), this.flow.params()).y;
  }

  /** Noise → morph space. */
  fromNoiseT(z: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor2D {
    const u = this.flow.fromNoiseT(z, this.cond(c), this.flow.params()).y;
    return this.identity ? u : (tf.div(tf.sub(u, this.shiftT), this.scaleT) as tf.Tensor2D);
  }
}

/** Rows in morph space with their (preprocessed) condition columns. */
export interface MorphSample {
  x: Float32Array;
  c?: Float32Array;
  rows: number;
}

/** Context columns the top flow sees for a mode with C condition columns. */
export function topContextDim(mode: ContextMode, C: number): number {
  if (C === 0 || mode === 'none' || mode === 'two-bases') return 0;
  return mode === 'concat' ? 2 * C : C;
}

/** Whether a mode pairs each row with a condition drawn from the other side (else c_out = c_in). */
export function drawsOtherCondition(mode: ContextMode): boolean {
  return mode === 'delta' || mode === 'concat';
}

/** Condition columns the flow-matching field sees (besides t) for a mode with C condition columns. */
export function fieldContextDim(mode: ContextMode, C: number): number {
  if (C === 0 || mode === 'none') return 0;
  return drawsOtherCondition(mode) ? 2 * C : C;
}

/** The method, after refusing settings it cannot run with (a clear error before any training starts). */
export function checkMethodSettings(config: MorphConfig): MorphConfig['method'] {
  const method = config.method ?? 'f4f';
  if (!MORPH_METHODS.includes(method)) throw new Error(`morph method must be one of ${MORPH_METHODS.join(', ')}, got '${method}'`);
  if (method === 'f4f') return method;
  checkPairingSize(config.ot.block);
  if (method === 'ot-cfm' && config.penalty.kind !== 'none' && config.penalty.weight > 0) {
    throw new Error(`morph method ot-cfm takes no movement penalty (its OT pairing already moves points no further than it must); the penalty is for methods f4f and ot-f4f`);
  }
  return method;
}

export class FlowForFlow {
  readonly top: Flow;
  readonly features: number;
  /** ot-cfm: the velocity field (the top flow then stays the unused identity). */
  readonly field?: VelocityField;
  /**
   * Per-feature weights of the OT pairing's squared distance; runMorph sets scale² so partners are the
   * OT partners in the data's own units (where displacement and the OT cost are measured).
   */
  pairWeights?: Float32Array;
  /**
   * cfm-f4f: source rows with their transport by a trained velocity field (./distil.ts), regressed onto
   * in place of the minibatch OT partners.
   */
  partners?: PairedBatch;

  constructor(
    readonly config: MorphConfig,
    readonly source: FrozenDensity,
    readonly target: FrozenDensity,
    /** Condition columns of the data (0 when unconditional). */
    readonly conditions: number,
    readonly seed: number,
  ) {
    this.features = source.flow.features;
    if (target.flow.features !== this.features) throw new Error(`source has ${this.features} features, target ${target.flow.features}`);
    const C = config.mode === 'none' ? 0 : conditions;
    this.top = new Flow({ ...config.top, features: this.features, context: topContextDim(config.mode, C) }, seed);
    const method = checkMethodSettings(config);
    if (method === 'ot-cfm') this.field = new VelocityField(this.features, fieldContextDim(config.mode, C), config.ot, seed);
  }

  /** The parameters training moves and a run saves: the velocity field for ot-cfm, else the top flow. */
  get trainable(): ParamStore {
    return this.field ? this.field.store : this.top.store;
  }

  /** Whether the morph is a flow (exact density and inverse); ot-cfm is not. */
  get hasDensity(): boolean {
    return !this.field;
  }

  private get mode(): ContextMode {
    return this.conditions === 0 ? 'none' : this.config.mode;
  }

  /**
   * g(x) (or g⁻¹ when `inverse`) with the mode's context. In delta mode the top flow is fed the size of
   * the shift and runs in reverse for rows whose shift (first condition column) is negative, so that
   * g(·; −Δ) = g(·; Δ)⁻¹ as a morph back should be.
   */
  gT(x: tf.Tensor2D, cIn: tf.Tensor2D | null, cOut: tf.Tensor2D | null, P: ParamTensors, inverse: boolean, signs?: Float32Array): TransformResult {
    const run = (inv: boolean, ctx: tf.Tensor2D | null) => (inv ? this.top.fromNoiseT(x, ctx, P) : this.top.toNoiseT(x, ctx, P));
    switch (this.mode) {
      case 'none':
      case 'two-bases':
        return run(inverse, null);
      case 'two-bases-shared':
        return run(inverse, cIn);
      case 'concat':
        return run(inverse, tf.concat([cIn as tf.Tensor2D, cOut as tf.Tensor2D], 1));
      case 'delta': {
        const delta = tf.sub(cOut as tf.Tensor2D, cIn as tf.Tensor2D) as tf.Tensor2D;
        const s = signs ?? deltaSigns(delta);
        const allPos = s.every((v) => v > 0);
        const allNeg = s.every((v) => v < 0);
        if (allPos) return run(inverse, delta);
        if (allNeg) return run(!inverse, tf.neg(delta));
        const sT = tf.tensor2d(s, [s.length, 1]);
        const absDelta = tf.mul(delta, sT) as tf.Tensor2D;
        const pos = run(inverse, absDelta);
        const neg = run(!inverse, absDelta);
        const w = tf.div(tf.add(sT, 1), 2); // 1 where the shift is ≥ 0, else 0
        const y = tf.add(tf.mul(pos.y, w), tf.mul(neg.y, tf.sub(1, w))) as tf.Tensor2D;
        const w1 = tf.reshape(w, [-1]);
        const ld = (t: tf.Tensor1D | null) => t ?? (tf.zeros([s.length]) as tf.Tensor1D);
        const logDet = tf.add(tf.mul(ld(pos.logDet), w1), tf.mul(ld(neg.logDet), tf.sub(1, w1))) as tf.Tensor1D;
        return { y, logDet };
      }
    }
  }

  /** Per-sample movement penalty d(x, y): Σ_features |Δ| (l1) or Δ² (l2). */
  penalty(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    const d = tf.sub(y, x);
    return tf.sum(this.config.penalty.kind === 'l1' ? tf.abs(d) : tf.square(d), 1) as tf.Tensor1D;
  }

  /** Current penalty weight: constant, or cosine-annealed to 0 over the budget. */
  penaltyWeight(fraction: number): number {
    const p = this.config.penalty;
    if (p.kind === 'none' || p.weight === 0) return 0;
    return p.anneal ? cosine(p.weight, fraction) : p.weight;
  }

  /** Morph rows of x (morph space): g(x), or g⁻¹(x) with `inverse`. */
  morph(x: Float32Array, opts: { inverse?: boolean; cIn?: Float32Array; cOut?: Float32Array } = {}): Float32Array {
    const D = this.features;
    const C = this.conditions;
    const n = x.length / D;
    const both = C > 0 ? concatCols(opts.cIn, opts.cOut ?? opts.cIn, n, C) : undefined;
    if (this.field) return this.field.integrate(x, this.fieldContext(both, n), opts.inverse ?? false);
    return mapRows(x, D, both, C > 0 ? 2 * C : 0, D, 10000, (xb, cb) => {
      const cIn = cb ? (tf.slice(cb, [0, 0], [-1, C]) as tf.Tensor2D) : null;
      const cOut = cb ? (tf.slice(cb, [0, C], [-1, C]) as tf.Tensor2D) : null;
      return this.gT(xb, cIn, cOut, this.top.params(), opts.inverse ?? false).y;
    });
  }

  /**
   * The field's condition columns from rows of [c_in, c_out]: both in delta / concat modes, else c_in
   * alone (c_out = c_in there).
   */
  fieldContext(both: Float32Array | undefined, n: number): Float32Array | undefined {
    const C = this.conditions;
    const K = this.field ? this.field.context : 0;
    if (!both || K === 0) return undefined;
    if (K === 2 * C) return both;
    const out = new Float32Array(n * C);
    for (let i = 0; i < n; i++) out.set(both.subarray(i * 2 * C, i * 2 * C + C), i * C);
    return out;
  }

  /** Base transfer baseline: encode with one base flow, decode with the other (morph space in and out). */
  baseTransfer(x: Float32Array, opts: { inverse?: boolean; cIn?: Float32Array; cOut?: Float32Array } = {}): Float32Array {
    const D = this.features;
    const C = this.conditions;
    const n = x.length / D;
    const [from, to] = opts.inverse ? [this.target, this.source] : [this.source, this.target];
    const both = C > 0 ? concatCols(opts.cIn, opts.cOut ?? opts.cIn, n, C) : undefined;
    return mapRows(x, D, both, C > 0 ? 2 * C : 0, D, 10000, (xb, cb) => {
      const cIn = cb ? (tf.slice(cb, [0, 0], [-1, C]) as tf.Tensor2D) : null;
      const cOut = cb ? (tf.slice(cb, [0, C], [-1, C]) as tf.Tensor2D) : null;
      return to.fromNoiseT(from.toNoiseT(xb, cIn), cOut);
    });
  }

  /** The training objective over source and target samples (and held-out ones for validation). */
  objective(src: MorphSample, tgt: MorphSample, val?: { src: MorphSample; tgt: MorphSample }): FlowForFlowObjective | FlowMatchingObjective {
    return this.field ? new FlowMatchingObjective(this, src, tgt, val) : new FlowForFlowObjective(this, src, tgt, val);
  }

  dispose(): void {
    this.top.dispose();
    this.field?.dispose();
  }
}

function deltaSigns(delta: tf.Tensor2D): Float32Array {
  const C = delta.shape[1];
  const d = delta.dataSync();
  const s = new Float32Array(delta.shape[0]);
  for (let i = 0; i < s.length; i++) s[i] = d[i * C] < 0 ? -1 : 1;
  return s;
}

function concatCols(a: Float32Array | undefined, b: Float32Array | undefined, n: number, C: number): Float32Array {
  if (!a || !b) throw new Error(`morph: this model needs ${C} condition column(s) for input and target`);
  const out = new Float32Array(n * 2 * C);
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * C, (i + 1) * C), i * 2 * C);
    out.set(b.subarray(i * C, (i + 1) * C), i * 2 * C + C);
  }
  return out;
}

/** Which way step `step` trains, per the configured direction. */
export function stepDirection(dir: MorphConfig['direction'], step: number, stepsPerEpoch: number, iterateEpochs: number): 'forward' | 'inverse' | 'both' {
  switch (dir) {
    case 'forward':
    case 'inverse':
    case 'both':
      return dir;
    case 'alternate':
      return step % 2 === 0 ? 'forward' : 'inverse';
    case 'iterate': {
      const block = Math.floor(step / (stepsPerEpoch * Math.max(1, iterateEpochs)));
      return block % 2 === 0 ? 'forward' : 'inverse';
    }
  }
}

/** What both morph objectives share: the morph, both sides' training rows and their seeded batches. */
abstract class MorphObjective implements Objective {
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  protected readonly srcSampler: BatchSampler;
  protected readonly tgtSampler: BatchSampler;

  constructor(
    readonly f4f: FlowForFlow,
    readonly src: MorphSample,
    readonly tgt: MorphSample,
    readonly val?: { src: MorphSample; tgt: MorphSample },
  ) {
    const { batch, seed } = f4f.config.train;
    this.srcSampler = new BatchSampler(src.rows, batch, seed);
    this.tgtSampler = new BatchSampler(tgt.rows, batch, seed + 1);
    this.stepsPerEpoch = this.srcSampler.stepsPerEpoch;
    this.samplesPerStep = this.srcSampler.batch;
  }

  /** The parameters trained: the top flow, or ot-cfm's velocity field. */
  get store(): ParamStore {
    return this.f4f.trainable;
  }

  abstract loss(P: ParamTensors, step: number, fraction: number, part?: BatchPart): StepLoss;
}

export class FlowForFlowObjective extends MorphObjective {

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
    const density = inverse ? f.source : f.target;
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
      // Not split into parts (src/core/objectives/spec.ts does not describe these methods).
      const ot = f.config.ot;
      const pb = f.config.method === 'cfm-f4f' ? this.partnerBatch(step) : pairedBatch(f, this.src, siAll, this.tgt, tiAll);
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

  /** cfm-f4f: step `step`'s batch of (x, T(x)) pairs from the distilled partners. */
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

/** A step's source rows with their OT partners among the target rows (row i of x ↔ row i of y). */
export interface PairedBatch {
  n: number;
  x: Float32Array;
  y: Float32Array;
  cx?: Float32Array;
  cy?: Float32Array;
}

/**
 * Pair a source batch with a target batch by exact OT, in blocks of `ot.block` rows (the cost includes
 * the weighted condition distance for conditional pairs). Both sides are cut to the shorter batch.
 */
export function pairedBatch(f: FlowForFlow, src: MorphSample, si: ArrayLike<number>, tgt: MorphSample, ti: ArrayLike<number>): PairedBatch {
  const D = f.features;
  const C = f.conditions;
  const n = Math.min(si.length, ti.length);
  const x = gatherRows(src.x, D, Array.prototype.slice.call(si, 0, n));
  const yRows = gatherRows(tgt.x, D, Array.prototype.slice.call(ti, 0, n));
  const cond = C > 0 && src.c && tgt.c;
  const cx = cond ? gatherRows(src.c as Float32Array, C, Array.prototype.slice.call(si, 0, n)) : undefined;
  const cyRows = cond ? gatherRows(tgt.c as Float32Array, C, Array.prototype.slice.call(ti, 0, n)) : undefined;
  const y = new Float32Array(n * D);
  const cy = cyRows ? new Float32Array(n * C) : undefined;
  const B = f.config.ot.block;
  for (let s = 0; s < n; s += B) {
    const e = Math.min(n, s + B);
    const sigma = otPairs({
      a: x.subarray(s * D, e * D),
      b: yRows.subarray(s * D, e * D),
      D,
      ca: cx?.subarray(s * C, e * C),
      cb: cyRows?.subarray(s * C, e * C),
      C,
      conditionWeight: f.config.ot.conditionWeight,
      featureWeights: f.pairWeights,
    });
    for (let i = 0; i < e - s; i++) {
      const k = s + sigma[i];
      y.set(yRows.subarray(k * D, (k + 1) * D), (s + i) * D);
      if (cy && cyRows) cy.set(cyRows.subarray(k * C, (k + 1) * C), (s + i) * C);
    }
  }
  return { n, x, y, cx, cy };
}

/** Mean distance between the paired rows (the minibatch OT cost), as a scalar for the curves. */
function pairCost(pb: PairedBatch, D: number): tf.Scalar {
  let s = 0;
  for (let i = 0; i < pb.n; i++) {
    let q = 0;
    for (let j = 0; j < D; j++) q += (pb.y[i * D + j] - pb.x[i * D + j]) ** 2;
    s += Math.sqrt(q);
  }
  return tf.scalar(s / pb.n);
}

/** ot-cfm's training objective: flow matching on OT-paired batches (./cfm.ts). */
export class FlowMatchingObjective extends MorphObjective {

  loss(P: ParamTensors, step: number): StepLoss {
    const f = this.f4f;
    const pb = pairedBatch(f, this.src, this.srcSampler.indices(step), this.tgt, this.tgtSampler.indices(step));
    const rng = new Rng((f.config.train.seed * 1000003 + step * 7919 + 17) >>> 0);
    return { loss: this.matching(pb, rng, P), extras: { displacement: pairCost(pb, f.features) } };
  }

  /** Held-out flow-matching loss: the first rows of both validation sets, paired, with fixed times. */
  validate(): number {
    const v = this.val ?? { src: this.src, tgt: this.tgt };
    const n = Math.min(v.src.rows, v.tgt.rows, 4 * this.f4f.config.ot.block);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const pb = pairedBatch(this.f4f, v.src, idx, v.tgt, idx);
    const r = tf.tidy(() => this.matching(pb, new Rng(12345), this.store.tensors()));
    const out = r.dataSync()[0];
    r.dispose();
    return out;
  }

  private matching(pb: PairedBatch, rng: Rng, P: ParamTensors): tf.Scalar {
    const f = this.f4f;
    const field = f.field as VelocityField;
    const C = f.conditions;
    let ctx: Float32Array | undefined;
    if (field.context > 0 && pb.cx && pb.cy) {
      if (field.context === 2 * C) {
        ctx = concatCols(pb.cx, pb.cy, pb.n, C);
      } else {
        // c_out = c_in in these modes; partners share their condition up to the pairing's tolerance.
        ctx = new Float32Array(pb.n * C);
        for (let k = 0; k < ctx.length; k++) ctx[k] = 0.5 * (pb.cx[k] + pb.cy[k]);
      }
    }
    return flowMatchingLoss(field, pb.x, pb.y, ctx, rng, P);
  }
}

export { logProbStdNormal };
