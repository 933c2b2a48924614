/**
 * Residual blocks shared by the conditioners (nflows' ResidualBlock / MaskedResidualBlock):
 * h ← h + W₂·relu(W₁·relu(h) + b₁ [+ C·c]) + b₂, the last layer initialised near zero so each block starts
 * close to the identity. MADE passes its hidden-to-hidden mask; the coupling ResNet passes none.
 */
import { tf } from '../tf';
import { dense, matmul } from '../ops/dense';
import { ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';

export interface ResidualBlockParams {
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  wc?: number;
}

export function addResidualBlocks(
  store: ParamStore,
  prefix: string,
  shape: { hidden: number; context: number; blocks: number },
  rng: Rng,
  mask?: Float32Array,
): ResidualBlockParams[] {
  const { hidden: H, context: C } = shape;
  const lin = (fanIn: number) => init.uniform(rng, 1 / Math.sqrt(Math.max(1, fanIn)));
  const out: ResidualBlockParams[] = [];
  for (let k = 0; k < shape.blocks; k++) {
    out.push({
      w1: store.add(`${prefix}.block${k}.w1`, [H, H], lin(H), mask),
      b1: store.add(`${prefix}.block${k}.b1`, [H], lin(H)),
      // Near-zero last layer of each block (nflows' zero_initialization).
      w2: store.add(`${prefix}.block${k}.w2`, [H, H], init.uniform(rng, 1e-3), mask),
      b2: store.add(`${prefix}.block${k}.b2`, [H], init.uniform(rng, 1e-3)),
      wc: C > 0 ? store.add(`${prefix}.block${k}.ctx.w`, [C, H], lin(C)) : undefined,
    });
  }
  return out;
}

export function applyResidualBlocks(h: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors, blocks: ResidualBlockParams[]): tf.Tensor2D {
  for (const b of blocks) {
    let t = dense(tf.relu(h), P[b.w1], P[b.b1]);
    if (ctx && b.wc !== undefined) t = tf.add(t, matmul(ctx, P[b.wc]));
    t = dense(tf.relu(t), P[b.w2], P[b.b2]);
    h = tf.add(h, t);
  }
  return h;
}
