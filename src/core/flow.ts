/**
 * A normalizing flow: a composition of transforms f over a base density q (standard normal unless given),
 * log p(x | c) = log q(f(x; c)) + log|det ∂f/∂x| (Rezende & Mohamed 2015; Papamakarios et al. 2021,
 * "Normalizing Flows for Probabilistic Modeling and Inference", arXiv:1912.02762). With the target's
 * frozen flow as its base it is the top flow of a flow for flows (arXiv:2211.02487, src/core/f4f.ts).
 *
 * Layout (as nflows' MAF / NSF recipes): per stack, a permutation (reverse, random or LU-linear) then a
 * spline transform (masked autoregressive or coupling). With identity initialisation the spline
 * conditioners output zeros (each spline is exactly the identity) and, if the fixed permutations do not
 * compose to the identity, one more permutation undoes them, so the untrained flow is exactly f(x) = x.
 */
import { tf } from './tf';
import type { FlowConfig } from './config';
import { StandardNormal, type Density } from './density/density';
import { ParamStore, ParamTensors } from './params';
import { Rng } from './random';
import { MaskedSplineAutoregressive } from './transforms/autoregressive';
import { SplineCoupling } from './transforms/coupling';
import { LULinear } from './transforms/lu';
import { Permutation, composePerms, inversePerm, isIdentityPerm } from './transforms/permutation';
import type { Transform, TransformResult } from './transforms/transform';

export class Flow {
  readonly store = new ParamStore();
  readonly transforms: Transform[] = [];
  /** The base density q: N(0, I) unless given (not owned: dispose() leaves it alone). */
  readonly base: Density;

  constructor(
    readonly config: FlowConfig,
    /** Seeds the initial parameters and any random permutations; saved with the model. */
    readonly seed: number,
    base?: Density,
  ) {
    if (base && base.features !== config.features) throw new Error(`flow: a base density of ${base.features} features under a flow of ${config.features}`);
    this.base = base ?? new StandardNormal(config.features);
    const rng = new Rng(seed);
    const D = config.features;
    let perm = Array.from({ length: D }, (_, i) => i);
    for (let s = 0; s < config.stacks; s++) {
      if (config.permutation === 'lu') {
        this.transforms.push(new LULinear(this.store, `s${s}.lu`, D, config.identityInit, rng));
      } else if (D > 1) {
        const p = config.permutation === 'random' ? Array.from(rng.permutation(D)) : Permutation.reverse(D).perm;
        this.transforms.push(new Permutation(p));
        perm = composePerms(perm, p);
      }
      const shape = {
        features: D,
        context: config.context,
        hidden: config.hidden,
        blocks: config.blocks,
        bins: config.bins,
        bound: config.bound,
        identityInit: config.identityInit,
      };
      this.transforms.push(
        config.transform === 'maf'
          ? new MaskedSplineAutoregressive(this.store, `s${s}.maf`, shape, rng)
          : new SplineCoupling(this.store, `s${s}.coupling`, { ...shape, parity: s % 2 }, rng),
      );
    }
    if (config.identityInit && !isIdentityPerm(perm)) this.transforms.push(new Permutation(inversePerm(perm)));
    void this.store.values; // finalize the parameter layout
  }

  get features(): number {
    return this.config.features;
  }

  /** data → noise through every transform, with the summed log|det|. */
  toNoiseT(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    let y = x;
    let logDet: tf.Tensor1D | null = null;
    for (const t of this.transforms) {
      const r = t.forward(y, ctx, P);
      y = r.y;
      if (r.logDet) logDet = logDet ? (tf.add(logDet, r.logDet) as tf.Tensor1D) : r.logDet;
    }
    return { y, logDet };
  }

  /** noise → data, with the log|det| of that map. */
  fromNoiseT(z: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors): TransformResult {
    let x = z;
    let logDet: tf.Tensor1D | null = null;
    for (let i = this.transforms.length - 1; i >= 0; i--) {
      const r = this.transforms[i].inverse(x, ctx, P);
      x = r.y;
      if (r.logDet) logDet = logDet ? (tf.add(logDet, r.logDet) as tf.Tensor1D) : r.logDet;
    }
    return { y: x, logDet };
  }

  /** log p(x | c) = log q(f(x; c) | baseCtx) + log|det ∂f/∂x| per row (the base's condition defaults to c). */
  logProbT(x: tf.Tensor2D, ctx: tf.Tensor2D | null, P: ParamTensors, baseCtx: tf.Tensor2D | null = ctx): tf.Tensor1D {
    const { y, logDet } = this.toNoiseT(x, ctx, P);
    const lp = this.base.logProbT(y, baseCtx);
    return logDet ? (tf.add(lp, logDet) as tf.Tensor1D) : lp;
  }

  /** Tensors of the current parameters for evaluation (cached until they change). */
  params(): ParamTensors {
    return this.store.tensors();
  }

  /** log p(x | c) for a whole row-major array, in batches. */
  logProb(x: Float32Array, ctx?: Float32Array, batch = 10000): Float32Array {
    return mapRows(x, this.features, ctx, this.config.context, 1, batch, (xb, cb) => this.logProbT(xb, cb, this.params()));
  }

  /** f(x): data → noise for a whole array. */
  toNoise(x: Float32Array, ctx?: Float32Array, batch = 10000): Float32Array {
    return mapRows(x, this.features, ctx, this.config.context, this.features, batch, (xb, cb) => this.toNoiseT(xb, cb, this.params()).y);
  }

  /** f⁻¹(z): noise → data for a whole array. */
  fromNoise(z: Float32Array, ctx?: Float32Array, batch = 10000): Float32Array {
    return mapRows(z, this.features, ctx, this.config.context, this.features, batch, (zb, cb) => this.fromNoiseT(zb, cb, this.params()).y);
  }

  /** n samples (one per row of ctx when conditional), base rows drawn with `rng` so runs are reproducible. */
  sample(n: number, rng: Rng, ctx?: Float32Array, baseCtx: Float32Array | undefined = ctx): Float32Array {
    return this.fromNoise(this.base.sample(n, rng, baseCtx), ctx);
  }

  dispose(): void {
    this.store.disposeCache();
  }
}

/**
 * Apply `fn` to row batches of a row-major array (and its context) and gather the outputs, `outCols` per
 * row. Each batch runs in its own tidy; the result is read back with one dataSync per batch.
 */
export function mapRows(
  x: Float32Array,
  cols: number,
  ctx: Float32Array | undefined,
  ctxCols: number,
  outCols: number,
  batch: number,
  fn: (xb: tf.Tensor2D, cb: tf.Tensor2D | null) => tf.Tensor,
): Float32Array {
  const n = x.length / cols;
  if (ctxCols > 0 && (!ctx || ctx.length !== n * ctxCols)) throw new Error(`flow: expected ${ctxCols} condition column(s) for ${n} rows`);
  const out = new Float32Array(n * outCols);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const t = tf.tidy(() => {
      const xb = tf.tensor2d(x.subarray(s * cols, e * cols), [e - s, cols]);
      const cb = ctxCols > 0 && ctx ? tf.tensor2d(ctx.subarray(s * ctxCols, e * ctxCols), [e - s, ctxCols]) : null;
      return fn(xb, cb);
    });
    out.set(t.dataSync() as Float32Array, s * outCols);
    t.dispose();
  }
  return out;
}
