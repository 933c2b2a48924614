/**
 * The residual MLP both conditioners are built on (nflows' ResidualNet; MADE adds masks): input (and
 * context) → hidden, residual blocks h ← h + W₂·relu(W₁·relu(h) + b₁ [+ C·c]) + b₂, → outputs.
 * All of its weights are ONE parameter group (θ, laid out by ./mlp-layout.ts), so the fused kernel
 * (src/core/ops/fused-mlp.ts) reads them as one operand and returns one gradient.
 *
 * Initialisation follows PyTorch's nn.Linear (uniform ±1/√fan-in) and nflows' zero_initialization of each
 * block's last layer (±1e-3), so each block starts close to the identity.
 */
import { tf } from '../tf';
import { ParamPart, ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';
import { residualMlp } from '../ops/fused-mlp';
import { mlpLayout, type MlpLayout, type MlpShape } from './mlp-layout';

export interface MlpMasks {
  /** [max(inputs,1), hidden] */
  input?: Float32Array;
  /** [hidden, hidden], both layers of every block */
  hidden?: Float32Array;
  /** [hidden, outputs] */
  output?: Float32Array;
}

export class ResidualMlp {
  readonly layout: MlpLayout;
  private readonly index: number;

  constructor(store: ParamStore, prefix: string, shape: MlpShape & { zeroOutput: boolean }, rng: Rng, masks: MlpMasks = {}) {
    const { inputs: I, context: C, hidden: H } = shape;
    this.layout = mlpLayout(shape);
    const lin = (fanIn: number) => init.uniform(rng, 1 / Math.sqrt(Math.max(1, fanIn)));
    const small = () => init.uniform(rng, 1e-3);
    const outInit = () => (shape.zeroOutput ? init.zeros() : lin(H));
    const initOf: Record<string, () => (a: Float32Array) => void> = {
      'in.w': () => (I > 0 ? lin(I) : init.zeros()),
      'in.b': () => lin(I),
      'ctx.w': () => lin(C),
      w1: () => lin(H),
      b1: () => lin(H),
      w2: small,
      b2: small,
      'out.w': outInit,
      'out.b': outInit,
    };
    const maskOf: Record<string, Float32Array | undefined> = { 'in.w': masks.input, w1: masks.hidden, w2: masks.hidden, 'out.w': masks.output };
    const parts: ParamPart[] = this.layout.parts.map((p) => {
      // block names are `block{k}.w1` etc.; the initialiser and mask depend on the last component(s)
      const key = p.name.startsWith('block') ? p.name.slice(p.name.indexOf('.') + 1) : p.name;
      const kind = key === 'ctx.w' ? 'ctx.w' : key;
      return { name: p.name, shape: p.shape, init: initOf[kind](), mask: maskOf[kind] };
    });
    this.index = store.addGroup(prefix, parts);
  }

  /** The output layer's bias [outputs] (a slice of θ, differentiable). */
  outputBias(P: ParamTensors): tf.Tensor1D {
    return tf.slice(tf.reshape(P[this.index], [-1]), this.layout.bOut, this.layout.shape.outputs) as tf.Tensor1D;
  }

  /** x: [N, inputs], ctx: [N, context] or null → [N, outputs]. */
  apply(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    return residualMlp(x, this.layout.shape.context > 0 ? ctx : null, P[this.index], this.layout);
  }
}
