/**
 * Shared pieces of the spline transforms: the spline options and the constant that scales raw widths
 * and heights by 1/√hidden before their softmax (as nflows does), which keeps early bins near uniform.
 */
import { tf } from '../tf';

export interface SplineShape {
  bins: number;
  bound: number;
}

export const splineParams = (bins: number): number => 3 * bins - 1;

/** [1, D·P] row: 1/√hidden on the 2K width/height entries of each feature, 1 on the K−1 derivatives. */
export function rawScaleRow(features: number, bins: number, hidden: number): tf.Tensor2D {
  const P = splineParams(bins);
  const row = new Float32Array(features * P);
  const s = 1 / Math.sqrt(hidden);
  for (let d = 0; d < features; d++) for (let p = 0; p < P; p++) row[d * P + p] = p < 2 * bins ? s : 1;
  return tf.keep(tf.tensor2d(row, [1, features * P]));
}
