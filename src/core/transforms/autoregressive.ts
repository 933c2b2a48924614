/**
 * Masked autoregressive rational-quadratic spline transform (Papamakarios et al. 2017, "MAF",
 * arXiv:1705.07057; Durkan et al. 2019, "Neural Spline Flows", arXiv:1906.04049).
 *
 * forward (data → noise) is one pass: the MADE reads x and gives every feature's spline.
 * inverse (noise → data) is D passes: feature i's spline needs features < i of the output. The first
 * pass needs no network: feature 1's outputs see no input (MADE degrees), so they are the output layer's
 * bias. For 2-D data the inverse (sampling, and the inverse direction of a flow for flows) then costs one
 * network evaluation, as the forward does.
 */
import { tf } from '../tf';
import { ResidualMade } from '../nn/made';
import { ParamStore, ParamTensors } from '../params';
import { Rng } from '../random';
import { rqSpline } from '../ops/spline';
import type { Transform, TransformResult } from './transform';
import { rawScaleRow, splineParams, SplineShape } from './spline-params';

export interface AutoregressiveShape extends SplineShape {
  features: number;
  context: number;
  hidden: number;
  blocks: number;
  identityInit: boolean;
}

export class MaskedSplineAutoregressive implements Transform {
  readonly kind = 'maf';
  private readonly made: ResidualMade;
  private readonly scale: tf.Tensor2D;

  constructor(store: ParamStore, prefix: string, readonly shape: AutoregressiveShape, rng: Rng) {
    this.made = new ResidualMade(
      store,
      prefix,
      {
        features: shape.features,
        context: shape.context,
        hidden: shape.hidden,
        blocks: shape.blocks,
        outputsPerFeature: splineParams(shape.bins),
        zeroOutput: shape.identityInit,
      },
      rng,
    );
    this.scale = rawScaleRow(shape.features, shape.bins, shape.hidden);
  }

  private params(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    return tf.mul(this.made.apply(x, ctx, P), this.scale);
  }

  /** Parameters whose feature-1 block is exact (the rest is never read): the scaled output bias, per row. */
  private firstFeatureParams(n: number, P: ParamTensors): tf.Tensor2D {
    const row = tf.mul(tf.reshape(this.made.outputBias(P), [1, -1]), this.scale) as tf.Tensor2D;
    // A broadcasting add, not tf.broadcastTo: that is a Tile, whose gradient is one slice + add per row.
    return tf.add(tf.zeros([n, row.shape[1]]), row) as tf.Tensor2D;
  }

  forward(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    const { y, logDet } = rqSpline(x, this.params(x, ctx, P), this.shape, false);
    return { y, logDet };
  }

  inverse(z: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    // After pass i, features 0..i of x are exact; the last pass gives every feature and the log-det.
    const D = this.shape.features;
    let x: tf.Tensor2D = tf.zerosLike(z);
    let logDet: tf.Tensor1D | null = null;
    for (let i = 0; i < D; i++) {
      // With D = 1 the hidden units carry the context to feature 1, so the network is needed.
      const params = i === 0 && D > 1 ? this.firstFeatureParams(z.shape[0], P) : this.params(x, ctx, P);
      const r = rqSpline(z, params, this.shape, true);
      x = r.y;
      logDet = r.logDet;
    }
    return { y: x, logDet };
  }

  describe(): Record<string, unknown> {
    return { kind: this.kind, ...this.shape };
  }
}
