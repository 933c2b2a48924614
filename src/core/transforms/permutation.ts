/**
 * Fixed feature permutations between spline stacks (reverse, as nflows' ReversePermutation, or random).
 * Applied as a matMul with a 0/1 matrix: tf.gather has no gradient on wasm (no UnsortedSegmentSum).
 */
import { tf } from '../tf';
import type { ParamTensors } from '../params';
import type { Transform, TransformResult } from './transform';

export class Permutation implements Transform {
  readonly kind = 'permutation';
  private readonly fwd: tf.Tensor2D;
  private readonly inv: tf.Tensor2D;

  /** `perm[j]` = which input feature becomes output feature j. */
  constructor(readonly perm: number[]) {
    const D = perm.length;
    const m = new Float32Array(D * D);
    for (let j = 0; j < D; j++) m[perm[j] * D + j] = 1;
    const mt = new Float32Array(D * D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) mt[j * D + i] = m[i * D + j];
    this.fwd = tf.keep(tf.tensor2d(m, [D, D]));
    this.inv = tf.keep(tf.tensor2d(mt, [D, D]));
  }

  static reverse(D: number): Permutation {
    return new Permutation(Array.from({ length: D }, (_, j) => D - 1 - j));
  }

  forward(x: tf.Tensor2D, _ctx: tf.Tensor2D | null, _P: ParamTensors): TransformResult {
    return { y: tf.matMul(x, this.fwd), logDet: null };
  }

  inverse(y: tf.Tensor2D, _ctx: tf.Tensor2D | null, _P: ParamTensors): TransformResult {
    return { y: tf.matMul(y, this.inv), logDet: null };
  }

  describe(): Record<string, unknown> {
    return { kind: this.kind, perm: this.perm };
  }
}

/** perm of the composition "apply a, then b" (each perm[j] = source index of output j). */
export function composePerms(a: number[], b: number[]): number[] {
  return b.map((j) => a[j]);
}

export function inversePerm(p: number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((src, j) => (inv[src] = j));
  return inv;
}

export function isIdentityPerm(p: number[]): boolean {
  return p.every((v, i) => v === i);
}
