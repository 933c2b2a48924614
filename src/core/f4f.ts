/**
 * Flows for flows (Klein, Raine & Golling 2022, arXiv:2211.02487; Golling et al. 2023, arXiv:2309.06472).
 *
 * Two base flows are trained by maximum likelihood on the source and the target, then frozen. A top flow
 * g is trained so that source samples pushed through it are likely under the target's flow:
 *   log p(x) = log q_target(g(x)) + log|det ∂g/∂x| − λ·d(x, g(x)),
 * and, in the inverse direction, target samples pulled through g⁻¹ are likely under the source's flow.
 *
 * The top flow g is a Flow (./flow.ts) whose base density is the target's frozen flow
 * (./density/frozen-flow.ts); its training objectives live in ./objectives/ (f4f.ts, flow-matching.ts).
 * Everything here lives in "morph space": the source model's preprocessed coordinates.
 */
import { tf } from './tf';
import { MORPH_METHODS, type ContextMode, type MorphConfig } from './config';
import { VelocityField } from './cfm';
import { checkPairingSize } from './ot-pairs';
import type { ParamStore } from './params';
import { Flow, mapRows } from './flow';
import type { ParamTensors } from './params';
import type { FrozenDensity } from './density/frozen-flow';
import { concatCols, fieldContextDim, topContextDim } from './morph-modes';
import { FlowForFlowObjective } from './objectives/f4f';
import { FlowMatchingObjective } from './objectives/flow-matching';
import type { MorphSample, PairedBatch } from './objectives/morph';
import { cosine } from './train/schedule';
import type { TransformResult } from './transforms/transform';

// What this module exported before the densities, modes and objectives had modules of their own.
export { FrozenDensity, type DensityAffine } from './density/frozen-flow';
export { drawsOtherCondition, fieldContextDim, topContextDim } from './morph-modes';
export { pairedBatch, stepDirection, type MorphSample, type PairedBatch } from './objectives/morph';
export { FlowForFlowObjective } from './objectives/f4f';
export { FlowMatchingObjective } from './objectives/flow-matching';

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
    // A flow for flows IS a flow whose base is the target's frozen flow.
    this.top = new Flow({ ...config.top, features: this.features, context: topContextDim(config.mode, C) }, seed, target);
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
    if (this.field) {
      const inverse = opts.inverse ?? false;
      if (!this.latent) return this.field.integrate(x, this.fieldContext(both, n), inverse);
      // ot.space 'latent': encode with the input side's flow, carry, decode with the output side's flow.
      const { from, to, cFrom, cTo } = this.ends(inverse, opts.cIn, opts.cOut ?? opts.cIn);
      const moved = this.field.integrate(this.noise(from, x, cFrom), this.fieldContext(both, n), inverse);
      return mapRows(moved, D, C > 0 ? cTo : undefined, C, D, 10000, (zb, cb) => to.fromNoiseT(zb, cb));
    }
    return mapRows(x, D, both, C > 0 ? 2 * C : 0, D, 10000, (xb, cb) => {
      const cIn = cb ? (tf.slice(cb, [0, 0], [-1, C]) as tf.Tensor2D) : null;
      const cOut = cb ? (tf.slice(cb, [0, C], [-1, C]) as tf.Tensor2D) : null;
      return this.gT(xb, cIn, cOut, this.top.params(), opts.inverse ?? false).y;
    });
  }

  /**
   * The base flow rows are encoded with and the one they are decoded with, each with its condition: cIn is
   * the source side's condition and cOut the target side's, whichever way the rows go.
   */
  private ends<T>(inverse: boolean | undefined, cIn: T, cOut: T): { from: FrozenDensity; to: FrozenDensity; cFrom: T; cTo: T } {
    return inverse ? { from: this.target, to: this.source, cFrom: cOut, cTo: cIn } : { from: this.source, to: this.target, cFrom: cIn, cTo: cOut };
  }

  /** Whether the velocity field lives between the base flows' noise (ot.space 'latent'). */
  get latent(): boolean {
    return !!this.field && this.config.ot.space === 'latent';
  }

  /** Rows of morph space (with their condition columns) in a base flow's noise. */
  private noise(density: FrozenDensity, x: Float32Array, c: Float32Array | undefined): Float32Array {
    const D = this.features;
    const C = this.conditions;
    return mapRows(x, D, C > 0 ? c : undefined, C, D, 10000, (xb, cb) => density.toNoiseT(xb, cb));
  }

  /** A sample with its noise codes under `density`, for the latent field's regression (MorphSample.z). */
  private withNoise(s: MorphSample, density: FrozenDensity): MorphSample {
    return { ...s, z: this.noise(density, s.x, s.c) };
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
    const both = C > 0 ? concatCols(opts.cIn, opts.cOut ?? opts.cIn, n, C) : undefined;
    return mapRows(x, D, both, C > 0 ? 2 * C : 0, D, 10000, (xb, cb) => {
      const cIn = cb ? (tf.slice(cb, [0, 0], [-1, C]) as tf.Tensor2D) : null;
      const cOut = cb ? (tf.slice(cb, [0, C], [-1, C]) as tf.Tensor2D) : null;
      const { from, to, cFrom, cTo } = this.ends(opts.inverse, cIn, cOut);
      return to.fromNoiseT(from.toNoiseT(xb, cFrom), cTo);
    });
  }

  /** The training objective over source and target samples (and held-out ones for validation). */
  objective(src: MorphSample, tgt: MorphSample, val?: { src: MorphSample; tgt: MorphSample }): FlowForFlowObjective | FlowMatchingObjective {
    if (!this.field) return new FlowForFlowObjective(this, src, tgt, val);
    if (!this.latent) return new FlowMatchingObjective(this, src, tgt, val);
    const [s, t] = [this.source, this.target];
    return new FlowMatchingObjective(this, this.withNoise(src, s), this.withNoise(tgt, t), val && { src: this.withNoise(val.src, s), tgt: this.withNoise(val.tgt, t) });
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

