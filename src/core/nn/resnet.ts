/**
 * Residual MLP conditioner for coupling transforms (nflows' ResidualNet): input (and context) → hidden,
 * residual blocks relu–linear–relu–linear, → outputs. No masks: the coupling split provides the structure.
 * The network itself is the shared residual MLP (./residual-mlp.ts).
 */
import { tf } from '../tf';
import { ParamStore, ParamTensors } from '../params';
import { Rng } from '../random';
import { ResidualMlp } from './residual-mlp';

export interface ResNetShape {
  inputs: number;
  context: number;
  hidden: number;
  blocks: number;
  outputs: number;
  zeroOutput: boolean;
}

export class ResidualNet {
  private readonly net: ResidualMlp;

  constructor(store: ParamStore, prefix: string, readonly shape: ResNetShape, rng: Rng) {
    this.net = new ResidualMlp(store, prefix, shape, rng);
  }

  /** x: [N, I] (I may be 0 when only context drives it), ctx: [N, C] or null → [N, O]. */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    return this.net.apply(x, ctx, P);
  }
}
