/**
 * Inverse of a small square matrix as one op: Gauss–Jordan with partial pivoting in float64 JS, gradient
 * d(A⁻¹) = −A⁻¹ dA A⁻¹ ⇒ ∂L/∂A = −A⁻ᵀ (∂L/∂A⁻¹) A⁻ᵀ. For LU-linear layers (D is the feature count, small).
 */
import { tf } from '../tf';

export function invertInPlace(a: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    const piv = a[p * n + c];
    if (piv === 0 || !Number.isFinite(piv)) throw new Error('matrix is singular');
    if (p !== c)
      for (let k = 0; k < n; k++) {
        [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
        [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
      }
    for (let k = 0; k < n; k++) {
      a[c * n + k] /= piv;
      inv[c * n + k] /= piv;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

const inverseOp = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  const n = a.shape[0];
  const inv = tf.tensor2d(Float32Array.from(invertInPlace(Float64Array.from(a.dataSync()), n)), [n, n]);
  save([inv]);
  return {
    value: inv,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const it = tf.transpose(saved[0]) as tf.Tensor2D;
      return [tf.neg(tf.matMul(tf.matMul(it, dy as tf.Tensor2D), it))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function inverse(a: tf.Tensor2D): tf.Tensor2D {
  return (inverseOp as (...t: tf.Tensor[]) => tf.Tensor)(a) as tf.Tensor2D;
}
