/**
 * Where each weight of a residual MLP conditioner lies inside its one flat parameter vector θ.
 * Shared by the fused kernel (src/core/ops/fused-mlp.ts), which reads θ as one operand, and the
 * tfjs-ops path, which slices it. Order: input layer, context projection, blocks, output layer — the
 * order the parameters were added one by one before they became a group, so initialisation and saved
 * models are unchanged.
 */

export interface MlpShape {
  /** Input features (0: context only, e.g. a coupling layer of a 1-D flow). */
  inputs: number;
  context: number;
  hidden: number;
  blocks: number;
  outputs: number;
}

export interface MlpBlockLayout {
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  /** Context projection into the block (−1: none). */
  wc: number;
}

export interface MlpLayout {
  shape: MlpShape;
  /** [max(inputs, 1), hidden]. */
  w0: number;
  b0: number;
  /** [context, hidden] (−1: no context). */
  wc0: number;
  blocks: MlpBlockLayout[];
  /** [hidden, outputs]. */
  wOut: number;
  bOut: number;
  size: number;
  /** Every piece in order, for ParamStore.addGroup and the tfjs-ops path. */
  parts: { name: string; shape: number[]; offset: number }[];
}

export function mlpLayout(shape: MlpShape): MlpLayout {
  const { inputs: I, context: C, hidden: H, blocks: B, outputs: O } = shape;
  const parts: MlpLayout['parts'] = [];
  let size = 0;
  const put = (name: string, dims: number[]): number => {
    const offset = size;
    parts.push({ name, shape: dims, offset });
    size += dims.reduce((a, b) => a * b, 1);
    return offset;
  };
  const w0 = put('in.w', [Math.max(I, 1), H]);
  const b0 = put('in.b', [H]);
  const wc0 = C > 0 ? put('ctx.w', [C, H]) : -1;
  const blocks: MlpBlockLayout[] = [];
  for (let k = 0; k < B; k++) {
    const w1 = put(`block${k}.w1`, [H, H]);
    const b1 = put(`block${k}.b1`, [H]);
    const w2 = put(`block${k}.w2`, [H, H]);
    const b2 = put(`block${k}.b2`, [H]);
    const wc = C > 0 ? put(`block${k}.ctx.w`, [C, H]) : -1;
    blocks.push({ w1, b1, w2, b2, wc });
  }
  const wOut = put('out.w', [H, O]);
  const bOut = put('out.b', [O]);
  return { shape: { ...shape }, w0, b0, wc0, blocks, wOut, bOut, size, parts };
}
