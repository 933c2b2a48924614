/**
 * A trained flow, frozen, used as a density: the base of a flow for flows' top flow (Klein, Raine &
 * Golling 2022, arXiv:2211.02487: log p(x) = log q_target(g(x)) + log|det ∂g/∂x|) and the density its
 * inverse direction is scored under.
 *
 * It is seen from "morph space" (the source model's preprocessed coordinates): a base flow fitted with
 * another preprocessing is evaluated through a fixed diagonal affine map A (log q(Ay + b) + log|A|), so
 * an identity-initialised top flow is exactly the identity in the user's units as well.
 */
import { tf } from '../tf';
import { mapRows, type Flow } from '../flow';
import type { Rng } from '../random';
import type { Density } from './density';

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
export class FrozenDensity implements Density {
  private readonly scaleT: tf.Tensor2D;
  private readonly shiftT: tf.Tensor2D;
  private readonly cScaleT: tf.Tensor2D | null;
  private readonly cShiftT: tf.Tensor2D | null;
  private readonly logDetA: number;
  readonly identity: boolean;

  constructor(
    readonly flow: Flow,
    /** Kept so the flows-for-flows recipe (src/core/objectives/f4f.ts) can rebuild this density in a worker. */
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

  get features(): number {
    return this.flow.features;
  }

  get context(): number {
    return this.flow.config.context;
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

  /** n rows in morph space: the base flow's own base rows, mapped to data and into morph space. */
  sample(n: number, rng: Rng, c?: Float32Array): Float32Array {
    const z = this.flow.base.sample(n, rng);
    return mapRows(z, this.features, c, this.context, this.features, 10000, (zb, cb) => this.fromNoiseT(zb, cb));
  }
}
