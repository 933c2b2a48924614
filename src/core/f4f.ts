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
import type { ContextMode, MorphConfig } from './config';
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

export class FlowForFlow {
  readonly top: Flow;
  readonly features: number;

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
    return mapRows(x, D, both, C > 0 ? 2 * C : 0, D, 10000, (xb, cb) => {
      const cIn = cb ? (tf.slice(cb, [0, 0], [-1, C]) as tf.Tensor2D) : null;
      const cOut = cb ? (tf.slice(cb, [0, C], [-1, C]) as tf.Tensor2D) : null;
      return this.gT(xb, cIn, cOut, this.top.params(), opts.inverse ?? false).y;
    });
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
  objective(src: MorphSample, tgt: MorphSample, val?: { src: MorphSample; tgt: MorphSample }): FlowForFlowObjective {
    return new FlowForFlowObjective(this, src, tgt, val);
  }

  dispose(): void {
    this.top.dispose();
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

export class FlowForFlowObjective implements Objective {
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  private readonly srcSampler: BatchSampler;
  private readonly tgtSampler: BatchSampler;

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

  get store() {
    return this.f4f.top.store;
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
    const si = partOf(siAll, part);
    const ti = partOf(tiAll, part);
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

export { logProbStdNormal };
