/**
 * y = x·W + b with a hand-written gradient.
 *
 * Why: on the wasm backend tfjs's matMul gradient uses transposed matMuls (transposeA/transposeB), which
 * miss XNNPACK's fast path (~2.3 vs ~29 GFLOP/s here). Explicit transposes followed by plain matMuls are
 * 3–3.5× faster at batch ≥ 512, and the bias gradient as a ones-row matMul avoids a slow
 * reduction. Gradients match tfjs's own to float32 rounding (tested).
 */
import { tf } from '../tf';

const denseOp = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      const dx = tf.matMul(dy2, tf.transpose(ws));
      const dw = tf.matMul(tf.transpose(xs), dy2);
      const db = tf.reshape(tf.matMul(tf.ones([1, dy2.shape[0]]) as tf.Tensor2D, dy2), [dy2.shape[1]]);
      return [dx, dw, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Weights that never need a gradient: the cached evaluation tensors of a model (a frozen base flow inside
 * a flow for flows, or any flow being evaluated). A customGrad op must return gradients for all of its
 * inputs, so with W as an input the backward pass would still compute xᵀ·dy and the bias sum — two of the
 * three matMuls — for nothing. For constants, W and b are closed over instead and only dx is computed.
 */
const constants = new WeakSet<tf.Tensor>();

export function markConstant(t: tf.Tensor): void {
  constants.add(t);
}

export function isConstant(t: tf.Tensor): boolean {
  return constants.has(t);
}

function denseConst(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor2D {
  const op = tf.customGrad(((xi: tf.Tensor) => {
    const y = tf.matMul(xi as tf.Tensor2D, w as tf.Tensor2D);
    return {
      value: b ? tf.add(y, b) : y,
      gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(w as tf.Tensor2D))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as (...t: tf.Tensor[]) => tf.Tensor)(x) as tf.Tensor2D;
}

/** x: [N, in], w: [in, out], b: [out] → [N, out]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (constants.has(w)) return denseConst(x, w, b);
  return (denseOp as (...t: tf.Tensor[]) => tf.Tensor)(x, w, b) as tf.Tensor2D;
}

/** x·W without bias (context projections). Same gradient trick. */
const matmulOp = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function matmul(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
  if (constants.has(w)) return denseConst(x, w, null);
  return (matmulOp as (...t: tf.Tensor[]) => tf.Tensor)(x, w) as tf.Tensor2D;
}
