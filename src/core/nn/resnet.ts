/**
 * Residual MLP conditioner for coupling transforms (nflows' ResidualNet): input (and context) → hidden,
 * residual blocks relu–linear–relu–linear, → outputs. No masks: the coupling split provides the structure.
 */
import { tf } from '../tf';
import { dense, matmul } from '../ops/dense';
import { ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';
import { addResidualBlocks, applyResidualBlocks, type ResidualBlockParams } from './blocks';

export interface ResNetShape {
  inputs: number;
  context: number;
  hidden: number;
  blocks: number;
  outputs: number;
  zeroOutput: boolean;
}

export class ResidualNet {
  private readonly w0: number;
  private readonly b0: number;
  private readonly wc0: number | undefined;
  private readonly blockParams: ResidualBlockParams[];
  private readonly wOut: number;
  private readonly bOut: number;

  constructor(store: ParamStore, prefix: string, readonly shape: ResNetShape, rng: Rng) {
    const { inputs: I, context: C, hidden: H, outputs: O } = shape;
    const lin = (fanIn: number) => init.uniform(rng, 1 / Math.sqrt(Math.max(1, fanIn)));
    this.w0 = store.add(`${prefix}.in.w`, [Math.max(I, 1), H], I > 0 ? lin(I) : init.zeros());
    this.b0 = store.add(`${prefix}.in.b`, [H], lin(I));
    if (C > 0) this.wc0 = store.add(`${prefix}.ctx.w`, [C, H], lin(C));
    this.blockParams = addResidualBlocks(store, prefix, shape, rng);
    const outInit = shape.zeroOutput ? init.zeros() : lin(H);
    this.wOut = store.add(`${prefix}.out.w`, [H, O], outInit);
    this.bOut = store.add(`${prefix}.out.b`, [O], outInit);
  }

  /** x: [N, I] (I may be 0 when only context drives it), ctx: [N, C] or null → [N, O]. */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    const n = x.shape[0];
    let h: tf.Tensor2D = this.shape.inputs > 0 ? dense(x, P[this.w0], P[this.b0]) : (tf.add(tf.zeros([n, this.shape.hidden]), P[this.b0]) as tf.Tensor2D);
    if (ctx && this.wc0 !== undefined) h = tf.add(h, matmul(ctx, P[this.wc0]));
    h = applyResidualBlocks(h, ctx, P, this.blockParams);
    return dense(h, P[this.wOut], P[this.bOut]);
  }
}
