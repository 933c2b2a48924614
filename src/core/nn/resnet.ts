/**
 * Residual MLP conditioner for coupling transforms (nflows' ResidualNet): input (and context) → hidden,
 * residual blocks relu–linear–relu–linear, → outputs. No masks: the coupling split provides the structure.
 */
import { tf } from '../tf';
import { dense, matmul } from '../ops/dense';
import { ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';

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
  private readonly blockParams: { w1: number; b1: number; w2: number; b2: number; wc?: number }[] = [];
  private readonly wOut: number;
  private readonly bOut: number;

  constructor(store: ParamStore, prefix: string, readonly shape: ResNetShape, rng: Rng) {
    const { inputs: I, context: C, hidden: H, blocks, outputs: O } = shape;
    const lin = (fanIn: number) => init.uniform(rng, 1 / Math.sqrt(Math.max(1, fanIn)));
    this.w0 = store.add(`${prefix}.in.w`, [Math.max(I, 1), H], I > 0 ? lin(I) : init.zeros());
    this.b0 = store.add(`${prefix}.in.b`, [H], lin(I));
    if (C > 0) this.wc0 = store.add(`${prefix}.ctx.w`, [C, H], lin(C));
    for (let k = 0; k < blocks; k++) {
      this.blockParams.push({
        w1: store.add(`${prefix}.block${k}.w1`, [H, H], lin(H)),
        b1: store.add(`${prefix}.block${k}.b1`, [H], lin(H)),
        w2: store.add(`${prefix}.block${k}.w2`, [H, H], init.uniform(rng, 1e-3)),
        b2: store.add(`${prefix}.block${k}.b2`, [H], init.uniform(rng, 1e-3)),
        wc: C > 0 ? store.add(`${prefix}.block${k}.ctx.w`, [C, H], lin(C)) : undefined,
      });
    }
    const outInit = shape.zeroOutput ? init.zeros() : lin(H);
    this.wOut = store.add(`${prefix}.out.w`, [H, O], outInit);
    this.bOut = store.add(`${prefix}.out.b`, [O], outInit);
  }

  /** x: [N, I] (I may be 0 when only context drives it), ctx: [N, C] or null → [N, O]. */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    const n = x.shape[0];
    let h: tf.Tensor2D = this.shape.inputs > 0 ? dense(x, P[this.w0], P[this.b0]) : (tf.add(tf.zeros([n, this.shape.hidden]), P[this.b0]) as tf.Tensor2D);
    if (ctx && this.wc0 !== undefined) h = tf.add(h, matmul(ctx, P[this.wc0]));
    for (const b of this.blockParams) {
      let t = dense(tf.relu(h), P[b.w1], P[b.b1]);
      if (ctx && b.wc !== undefined) t = tf.add(t, matmul(ctx, P[b.wc]));
      t = dense(tf.relu(t), P[b.w2], P[b.b2]);
      h = tf.add(h, t);
    }
    return dense(h, P[this.wOut], P[this.bOut]);
  }
}
