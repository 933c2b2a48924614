/**
 * The transform interface every flow layer implements (as bayesiains/nflows): both directions return
 * the outputs and log|det J| of the map they apply, per row.
 *
 * Convention: `forward` maps data → noise (the direction used by log_prob), `inverse` maps noise → data.
 * For a flow for flows the top flow's `forward` is the morph g: source → target.
 */
import type { tf } from '../tf';
import type { ParamTensors } from '../params';

export interface TransformResult {
  y: tf.Tensor2D;
  /** log|det ∂y/∂x| per row; null when the map preserves volume (permutations), to save kernels. */
  logDet: tf.Tensor1D | null;
}

export interface Transform {
  readonly kind: string;
  forward(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult;
  inverse(y: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult;
  /** JSON description (what is needed to rebuild it besides the parameters). */
  describe(): Record<string, unknown>;
}
