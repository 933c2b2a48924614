/**
 * Minibatch optimal-transport conditional flow matching (Tong, Fatras, Malkin et al., TMLR 2024,
 * arXiv:2302.00482). Each step pairs a source batch with a target batch by exact OT (./ot-pairs.ts), draws
 * t ~ U(0, 1) per pair, and regresses a velocity network v(z, t | c) at z_t = (1 − t)·x + t·y onto the
 * straight segment's velocity y − x. Transport integrates dz/dt = v from t = 0 to 1 (forward) or 1 to 0
 * (inverse) by fixed-step RK4. The network is the project's residual MLP on the fused kernels, with t
 * (and the condition columns) as its context. With `ot.fourier` F > 0 the network's input is
 * [z, sin(z·B), cos(z·B)] for a learned D × F matrix B drawn N(0, fourierScale²) (Fourier features,
 * Tancik et al. 2020, arXiv:2006.10739), stored after the network's weights.
 *
 * This morph has no density and its inverse is the backward integration (exact only as the steps shrink);
 * ot-f4f (./f4f.ts) is the method that keeps a flow.
 */
import { tf } from './tf';
import type { OtConfig } from './config';
import { mapRows } from './flow';
import { ParamStore, type ParamTensors } from './params';
import { ResidualNet } from './nn/resnet';
import { Rng } from './random';

export class VelocityField {
  readonly store = new ParamStore();
  private readonly net: ResidualNet;
  /** Index of the Fourier matrix B ([D, F]) in the store, when `fourier` > 0. */
  private readonly fourierIndex: number | undefined;

  constructor(
    readonly features: number,
    /** Condition columns the field sees besides t (0: unconditional). */
    readonly context: number,
    readonly cfg: Pick<OtConfig, 'hidden' | 'blocks' | 'rk4Steps'> & Partial<Pick<OtConfig, 'fourier' | 'fourierScale'>>,
    seed: number,
  ) {
    if (!(cfg.rk4Steps >= 1 && Number.isInteger(cfg.rk4Steps))) throw new Error(`ot.rk4Steps must be a positive integer, got ${cfg.rk4Steps}`);
    const F = cfg.fourier ?? 0;
    if (!(F >= 0 && Number.isInteger(F))) throw new Error(`ot.fourier must be a whole number, got ${cfg.fourier}`);
    const rng = new Rng(seed);
    this.net = new ResidualNet(
      this.store,
      'velocity',
      { inputs: features + 2 * F, context: 1 + context, hidden: cfg.hidden, blocks: cfg.blocks, outputs: features, zeroOutput: false },
      rng,
    );
    // Drawn after the network's weights, so a field without features initialises as it always did.
    const scale = cfg.fourierScale ?? 0;
    if (F > 0) this.fourierIndex = this.store.add('velocity.fourier', [features, F], (a) => rng.fillNormal(a, scale));
    void this.store.values;
  }

  /** v(z, t | c); t is [N, 1]. The network's input: z, or [z, sin(z·B), cos(z·B)]; its context: [t, c]. */
  velocityT(z: tf.Tensor2D, t: tf.Tensor2D, c: tf.Tensor2D | null, P: ParamTensors): tf.Tensor2D {
    const ctx = c ? (tf.concat([t, c], 1) as tf.Tensor2D) : t;
    if (this.fourierIndex === undefined) return this.net.apply(z, ctx, P);
    const zb = tf.matMul(z, P[this.fourierIndex] as tf.Tensor2D);
    return this.net.apply(tf.concat([z, tf.sin(zb), tf.cos(zb)], 1) as tf.Tensor2D, ctx, P);
  }

  /** Integrate rows of x (row-major) from t = 0 to 1, or from 1 to 0 with `inverse`. */
  integrate(x: Float32Array, c: Float32Array | undefined, inverse: boolean): Float32Array {
    const D = this.features;
    const K = this.cfg.rk4Steps;
    const P = this.store.tensors();
    return mapRows(x, D, c, this.context, D, 10000, (z0, cb) => {
      const n = z0.shape[0];
      const h = (inverse ? -1 : 1) / K;
      const v = (z: tf.Tensor2D, t: number) => this.velocityT(z, tf.fill([n, 1], t) as tf.Tensor2D, cb, P);
      let z = z0;
      for (let k = 0; k < K; k++) {
        const t = inverse ? 1 - k / K : k / K;
        const k1 = v(z, t);
        const k2 = v(tf.add(z, tf.mul(k1, h / 2)) as tf.Tensor2D, t + h / 2);
        const k3 = v(tf.add(z, tf.mul(k2, h / 2)) as tf.Tensor2D, t + h / 2);
        const k4 = v(tf.add(z, tf.mul(k3, h)) as tf.Tensor2D, t + h);
        z = tf.add(z, tf.mul(tf.add(tf.add(k1, k4), tf.mul(tf.add(k2, k3), 2)), h / 6)) as tf.Tensor2D;
      }
      return z;
    });
  }

  dispose(): void {
    this.store.disposeCache();
  }
}

/**
 * The flow-matching loss of one paired batch: mean over rows of ‖v(z_t, t | c) − (y − x)‖², with t drawn
 * from `rng` (one per row).
 */
export function flowMatchingLoss(field: VelocityField, x: Float32Array, y: Float32Array, c: Float32Array | undefined, rng: Rng, P: ParamTensors): tf.Scalar {
  const D = field.features;
  const n = x.length / D;
  const t = new Float32Array(n);
  const z = new Float32Array(n * D);
  const u = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const ti = rng.uniform();
    t[i] = ti;
    for (let j = 0; j < D; j++) {
      const a = x[i * D + j];
      const b = y[i * D + j];
      z[i * D + j] = a + ti * (b - a);
      u[i * D + j] = b - a;
    }
  }
  const C = field.context;
  const v = field.velocityT(tf.tensor2d(z, [n, D]), tf.tensor2d(t, [n, 1]), C > 0 && c ? tf.tensor2d(c, [n, C]) : null, P);
  return tf.mean(tf.sum(tf.square(tf.sub(v, tf.tensor2d(u, [n, D]))), 1)) as tf.Scalar;
}
