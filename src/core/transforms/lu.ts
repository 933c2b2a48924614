/**
 * LU-factorised linear layer (Kingma & Dhariwal 2018, "Glow", arXiv:1807.03039; nflows' LULinear):
 * W = L·U, L unit lower-triangular, U upper-triangular with diagonal exp(s) > 0 (Glow's log-scale
 * parametrisation), so log|det W| = Σ s. Forward y = x·Wᵀ + b; inverse x = (y − b)·W⁻ᵀ.
 * Identity initialisation: L = U = I, b = 0 — exactly, since exp(0) = 1 in float32 (softplus(u) + ε,
 * as nflows uses, cannot be exactly 1).
 */
import { tf } from '../tf';
import { inverse } from '../ops/inverse';
import { ParamStore, ParamTensors, init } from '../params';
import { Rng } from '../random';
import type { Transform, TransformResult } from './transform';


export class LULinear implements Transform {
  readonly kind = 'lu';
  private readonly lower: number;
  private readonly upper: number;
  private readonly diag: number;
  private readonly bias: number;
  private readonly eye: tf.Tensor2D;

  constructor(store: ParamStore, prefix: string, readonly features: number, identity: boolean, rng: Rng) {
    const D = features;
    const lowerMask = new Float32Array(D * D);
    const upperMask = new Float32Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        if (j < i) lowerMask[i * D + j] = 1;
        if (j > i) upperMask[i * D + j] = 1;
      }
    const off = identity ? init.zeros() : init.uniform(rng, 1 / Math.sqrt(D));
    this.lower = store.add(`${prefix}.lower`, [D, D], off, lowerMask);
    this.upper = store.add(`${prefix}.upper`, [D, D], off, upperMask);
    this.diag = store.add(`${prefix}.logDiag`, [D], init.zeros());
    this.bias = store.add(`${prefix}.bias`, [D], init.zeros());
    this.eye = tf.keep(tf.eye(D) as tf.Tensor2D);
  }

  private weight(P: ParamTensors): { w: tf.Tensor2D; logDet: tf.Tensor } {
    const s = P[this.diag];
    const L = tf.add(P[this.lower], this.eye) as tf.Tensor2D;
    const U = tf.add(P[this.upper], tf.mul(this.eye, tf.reshape(tf.exp(s), [1, this.features]))) as tf.Tensor2D;
    return { w: tf.matMul(L, U) as tf.Tensor2D, logDet: tf.sum(s) };
  }

  forward(x: tf.Tensor2D, _ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    const { w, logDet } = this.weight(P);
    const y = tf.add(tf.matMul(x, tf.transpose(w)), P[this.bias]) as tf.Tensor2D;
    return { y, logDet: tf.mul(tf.ones([x.shape[0]]), logDet) as tf.Tensor1D };
  }

  inverse(y: tf.Tensor2D, _ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    const { w, logDet } = this.weight(P);
    const x = tf.matMul(tf.sub(y, P[this.bias]) as tf.Tensor2D, tf.transpose(inverse(w))) as tf.Tensor2D;
    return { y: x, logDet: tf.mul(tf.ones([y.shape[0]]), tf.neg(logDet)) as tf.Tensor1D };
  }

  describe(): Record<string, unknown> {
    return { kind: this.kind, features: this.features };
  }
}
