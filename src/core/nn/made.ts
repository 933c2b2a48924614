/**
 * Residual MADE (Germain et al. 2015, "MADE", arXiv:1502.03509; residual form as in nflows' ResidualMADE
 * used by Durkan et al. 2019): a conditioner whose output for feature i depends only on features < i.
 *
 * Degrees: inputs 1..D; hidden units cycle through 1..D−1 (shared by every hidden layer, so residual
 * additions keep the autoregressive property); outputs of feature i have degree i. A connection
 * in→out exists when deg(out) ≥ deg(in) between hidden layers and into the first hidden layer, and when
 * deg(out) > deg(in) into the outputs. Context (condition) columns connect to every hidden unit.
 * The network itself is the shared residual MLP (./residual-mlp.ts) with these masks.
 */
import { tf } from '../tf';
import { ParamStore, ParamTensors } from '../params';
import { Rng } from '../random';
import { ResidualMlp } from './residual-mlp';

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

function mask(rows: number[], cols: number[], strict: boolean): Float32Array {
  const m = new Float32Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++)
    for (let c = 0; c < cols.length; c++) m[r * cols.length + c] = (strict ? cols[c] > rows[r] : cols[c] >= rows[r]) ? 1 : 0;
  return m;
}

export class ResidualMade {
  private readonly net: ResidualMlp;

  constructor(store: ParamStore, prefix: string, readonly shape: MadeShape, rng: Rng) {
    const { features: D, hidden: H, outputsPerFeature: P } = shape;
    const inDeg = Array.from({ length: D }, (_, i) => i + 1);
    const hidDeg = Array.from({ length: H }, (_, j) => (j % Math.max(1, D - 1)) + Math.min(1, D - 1));
    const outDeg = Array.from({ length: D * P }, (_, k) => Math.floor(k / P) + 1);
    this.net = new ResidualMlp(
      store,
      prefix,
      { inputs: D, context: shape.context, hidden: H, blocks: shape.blocks, outputs: D * P, zeroOutput: shape.zeroOutput },
      rng,
      { input: mask(inDeg, hidDeg, false), hidden: mask(hidDeg, hidDeg, false), output: mask(hidDeg, outDeg, true) },
    );
  }

  /**
   * The output layer's bias [D·P]. For D ≥ 2 the outputs of feature 1 connect to no hidden unit (their
   * degree, 1, exceeds none), so they equal this bias whatever the input and context.
   */
  outputBias(P: ParamTensors): tf.Tensor1D {
    return this.net.outputBias(P);
  }

  /** x: [N, D], ctx: [N, C] or null → [N, D·P], feature-major (feature i's P outputs are contiguous). */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    return this.net.apply(x, ctx, P);
  }
}
