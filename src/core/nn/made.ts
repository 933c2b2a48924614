/**
 * Residual MADE (Germain et al. 2015, "MADE", arXiv:1502.03509; residual form as in nflows' ResidualMADE
 * used by Durkan et al. 2019): a conditioner whose output for feature i depends only on features < i.
 *
 * Degrees: inputs 1..D; hidden units cycle through 1..D−1 (shared by every hidden layer, so residual
 * additions keep the autoregressive property); outputs of feature i have degree i. A connection
 * in→out exists when deg(out) ≥ deg(in) between hidden layers and into the first hidden layer, and when
 * deg(out) > deg(in) into the outputs. Context (condition) columns connect to every hidden unit.
 */
import { tf } from '../tf';
import { dense, matmul } from '../ops/dense';
import { ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';
import { addResidualBlocks, applyResidualBlocks, type ResidualBlockParams } from './blocks';

export interface MadeShape {
  features: number;
  context: number;
  hidden: number;
  blocks: number;
  /** Outputs per feature (spline parameters per dimension). */
  outputsPerFeature: number;
  /** Zero the output layer: all outputs start at exactly 0. */
  zeroOutput: boolean;
}

export class ResidualMade {
  private readonly w0: number;
  private readonly b0: number;
  private readonly wc0: number | undefined;
  private readonly blockParams: ResidualBlockParams[];
  private readonly wOut: number;
  private readonly bOut: number;

  constructor(store: ParamStore, prefix: string, readonly shape: MadeShape, rng: Rng) {
    const { features: D, context: C, hidden: H, outputsPerFeature: P } = shape;
    const inDeg = Array.from({ length: D }, (_, i) => i + 1);
    const hidDeg = Array.from({ length: H }, (_, j) => (j % Math.max(1, D - 1)) + Math.min(1, D - 1));
    const outDeg = Array.from({ length: D * P }, (_, k) => Math.floor(k / P) + 1);
    const mask = (rows: number[], cols: number[], strict: boolean): Float32Array => {
      const m = new Float32Array(rows.length * cols.length);
      for (let r = 0; r < rows.length; r++)
        for (let c = 0; c < cols.length; c++) m[r * cols.length + c] = (strict ? cols[c] > rows[r] : cols[c] >= rows[r]) ? 1 : 0;
      return m;
    };
    const lin = (fanIn: number) => init.uniform(rng, 1 / Math.sqrt(fanIn));
    this.w0 = store.add(`${prefix}.in.w`, [D, H], lin(D), mask(inDeg, hidDeg, false));
    this.b0 = store.add(`${prefix}.in.b`, [H], lin(D));
    if (C > 0) this.wc0 = store.add(`${prefix}.ctx.w`, [C, H], lin(C));
    const hh = mask(hidDeg, hidDeg, false);
    this.blockParams = addResidualBlocks(store, prefix, shape, rng, hh);
    const outInit = shape.zeroOutput ? init.zeros() : lin(H);
    this.wOut = store.add(`${prefix}.out.w`, [H, D * P], outInit, mask(hidDeg, outDeg, true));
    this.bOut = store.add(`${prefix}.out.b`, [D * P], outInit);
  }

  /** x: [N, D], ctx: [N, C] or null → [N, D·P], feature-major (feature i's P outputs are contiguous). */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    let h = dense(x, P[this.w0], P[this.b0]);
    if (ctx && this.wc0 !== undefined) h = tf.add(h, matmul(ctx, P[this.wc0]));
    h = applyResidualBlocks(h, ctx, P, this.blockParams);
    return dense(h, P[this.wOut], P[this.bOut]);
  }
}
