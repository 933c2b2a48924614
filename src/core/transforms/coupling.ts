/**
 * Rational-quadratic spline coupling transform (Dinh et al. 2017, "RealNVP", arXiv:1605.08803; Durkan
 * et al. 2019): features split by an alternating mask; the identity half conditions a residual net that
 * outputs the splines of the other half. Forward and inverse are both one pass.
 * Column selection is a matMul with 0/1 matrices (tf.gather has no gradient on wasm).
 */
import { tf } from '../tf';
import { ResidualNet } from '../nn/resnet';
import { ParamStore, ParamTensors } from '../params';
import { Rng } from '../random';
import { rqSpline } from '../ops/spline';
import type { Transform, TransformResult } from './transform';
import { rawScaleRow, splineParams, SplineShape } from './spline-params';

export interface CouplingShape extends SplineShape {
  features: number;
  context: number;
  hidden: number;
  blocks: number;
  identityInit: boolean;
  /** Which alternating mask: features with (i + parity) even are transformed. */
  parity: number;
}

function selector(D: number, cols: number[]): tf.Tensor2D {
  const m = new Float32Array(D * cols.length);
  cols.forEach((c, j) => (m[c * cols.length + j] = 1));
  return tf.keep(tf.tensor2d(m, [D, cols.length]));
}

export class SplineCoupling implements Transform {
  readonly kind = 'coupling';
  private readonly net: ResidualNet;
  private readonly scale: tf.Tensor2D;
  private readonly keepSel: tf.Tensor2D | null;
  private readonly keepSelT: tf.Tensor2D | null;
  private readonly moveSel: tf.Tensor2D;
  private readonly moveSelT: tf.Tensor2D;

  constructor(store: ParamStore, prefix: string, readonly shape: CouplingShape, rng: Rng) {
    const D = shape.features;
    const move = Array.from({ length: D }, (_, i) => i).filter((i) => (i + shape.parity) % 2 === 0 || D === 1);
    const keep = Array.from({ length: D }, (_, i) => i).filter((i) => !move.includes(i));
    this.net = new ResidualNet(
      store,
      prefix,
      {
        inputs: keep.length,
        context: shape.context,
        hidden: shape.hidden,
        blocks: shape.blocks,
        outputs: move.length * splineParams(shape.bins),
        zeroOutput: shape.identityInit,
      },
      rng,
    );
    this.scale = rawScaleRow(move.length, shape.bins, shape.hidden);
    this.keepSel = keep.length ? selector(D, keep) : null;
    this.keepSelT = this.keepSel ? tf.keep(tf.transpose(this.keepSel)) : null;
    this.moveSel = selector(D, move);
    this.moveSelT = tf.keep(tf.transpose(this.moveSel));
  }

  private run(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors, inverse: boolean): TransformResult {
    const n = x.shape[0];
    const kept = this.keepSel ? tf.matMul(x, this.keepSel) : (tf.zeros([n, 0]) as tf.Tensor2D);
    const moved = tf.matMul(x, this.moveSel) as tf.Tensor2D;
    const params = tf.mul(this.net.apply(kept as tf.Tensor2D, ctx, P), this.scale) as tf.Tensor2D;
    const r = rqSpline(moved, params, this.shape, inverse);
    let y: tf.Tensor2D = tf.matMul(r.y, this.moveSelT);
    if (this.keepSelT) y = tf.add(y, tf.matMul(kept as tf.Tensor2D, this.keepSelT)) as tf.Tensor2D;
    return { y, logDet: r.logDet };
  }

  forward(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    return this.run(x, ctx, P, false);
  }

  inverse(y: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    return this.run(y, ctx, P, true);
  }

  describe(): Record<string, unknown> {
    return { kind: this.kind, ...this.shape };
  }
}
