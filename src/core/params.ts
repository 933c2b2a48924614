/**
 * Parameters live in one flat Float32Array per model, not in tf.Variables.
 *
 * Why: tfjs's Adam costs ~14 kernel dispatches per variable per step (~25 µs each), and masked MADE weights
 * would cost a multiply per layer per step. Keeping parameters in JS lets us (a) upload each step's
 * tensors once with masks already folded in, (b) run Adam, gradient clipping, freezing, checkpointing and
 * data-parallel gradient averaging over plain typed arrays, (c) save and load with one write.
 * Gradients come back from `tf.valueAndGrads` over the uploaded tensors (w.r.t. W∘M; the mask is applied
 * to the gradient again in JS so masked entries never move).
 */
import { tf } from './tf';
import { markConstant } from './ops/linear';

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** 0/1 mask folded into the uploaded value and applied to the gradient (MADE connectivity). */
  mask?: Float32Array;
  /** For a group (`addGroup`): the named pieces, offsets relative to the group's start. */
  parts?: { name: string; shape: number[]; offset: number; size: number }[];
}

/** One piece of a parameter group. */
export interface ParamPart {
  name: string;
  shape: number[];
  init: (a: Float32Array) => void;
  mask?: Float32Array;
}

export class ParamStore {
  readonly specs: ParamSpec[] = [];
  private chunks: Float32Array[] = [];
  private flat: Float32Array | undefined;
  private size = 0;
  private cached: tf.Tensor[] | undefined;
  private version = 0;
  private cachedVersion = -1;

  /** Declare a parameter; `init` fills its initial values. Returns its index for `ParamTensors`. */
  add(name: string, shape: number[], init: (a: Float32Array) => void, mask?: Float32Array): number {
    if (this.flat) throw new Error('ParamStore: add() after finalize()');
    const size = shape.reduce((a, b) => a * b, 1);
    if (mask && mask.length !== size) throw new Error(`ParamStore: mask of ${name} has ${mask.length} entries for ${size}`);
    const a = new Float32Array(size);
    init(a);
    if (mask) for (let i = 0; i < size; i++) a[i] *= mask[i];
    this.specs.push({ name, shape, offset: this.size, size, mask });
    this.chunks.push(a);
    this.size += size;
    return this.specs.length - 1;
  }

  /**
   * Declare several parameters uploaded as ONE flat tensor (e.g. every weight of a conditioner network,
   * which the fused MLP kernel reads as one operand). Parts are initialised in order, so a group draws
   * the same random numbers as the same parts added one by one; `get(part name)` still works.
   */
  addGroup(name: string, parts: ParamPart[]): number {
    const sizes = parts.map((p) => p.shape.reduce((a, b) => a * b, 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    const values = new Float32Array(total);
    const anyMask = parts.some((p) => p.mask);
    const mask = anyMask ? new Float32Array(total).fill(1) : undefined;
    const layout: NonNullable<ParamSpec['parts']> = [];
    let o = 0;
    parts.forEach((p, i) => {
      if (p.mask && p.mask.length !== sizes[i]) throw new Error(`ParamStore: mask of ${name}.${p.name} has ${p.mask.length} entries for ${sizes[i]}`);
      p.init(values.subarray(o, o + sizes[i]));
      if (p.mask) mask!.set(p.mask, o);
      layout.push({ name: p.name, shape: p.shape, offset: o, size: sizes[i] });
      o += sizes[i];
    });
    const idx = this.add(name, [total], (a) => a.set(values), mask);
    this.specs[idx].parts = layout;
    return idx;
  }

  /** The flat values (finalizes the layout on first call). */
  get values(): Float32Array {
    if (!this.flat) {
      this.flat = new Float32Array(this.size);
      let o = 0;
      for (const c of this.chunks) {
        this.flat.set(c, o);
        o += c.length;
      }
      this.chunks = [];
    }
    return this.flat;
  }

  get count(): number {
    return this.size;
  }

  /** Replace all values (load, resume, or an optimizer step); invalidates cached tensors. */
  setValues(v: Float32Array): void {
    if (v.length !== this.size) throw new Error(`ParamStore: ${v.length} values for ${this.size} parameters`);
    this.values.set(v);
    this.touch();
  }

  /** Mark values as changed in place. */
  touch(): void {
    this.version++;
  }

  /** Fresh tensors of every parameter (masks folded in). The caller owns and disposes them. */
  upload(): tf.Tensor[] {
    const v = this.values;
    return this.specs.map((s) => {
      const view = v.subarray(s.offset, s.offset + s.size);
      // Masked entries are kept at zero by the optimizer, so the stored values already equal W∘M.
      return tf.tensor(view, s.shape, 'float32');
    });
  }

  /** Tensors for evaluation, cached until the values change. Kept outside any tidy; do not dispose. */
  tensors(): tf.Tensor[] {
    if (!this.cached || this.cachedVersion !== this.version) {
      this.disposeCache();
      // Evaluation tensors never get gradients (frozen base flows, sampling, validation).
      this.cached = this.upload().map((t) => (markConstant(t), tf.keep(t)));
      this.cachedVersion = this.version;
    }
    return this.cached;
  }

  disposeCache(): void {
    if (this.cached) for (const t of this.cached) t.dispose();
    this.cached = undefined;
  }

  /**
   * Read gradients (one tensor per parameter, as from tf.valueAndGrads over `upload()`) into a flat array,
   * masking them unless `mask` is false (the optimizer masks them itself: src/core/train/adam.ts).
   * Disposes the gradient tensors.
   */
  collectGrads(grads: tf.Tensor[], out: Float32Array, mask = true): Float32Array {
    if (grads.length !== this.specs.length) throw new Error('ParamStore: gradient count mismatch');
    for (let i = 0; i < grads.length; i++) {
      const s = this.specs[i];
      const g = grads[i].dataSync() as Float32Array;
      out.set(g, s.offset);
      grads[i].dispose();
      if (mask && s.mask) {
        const m = s.mask;
        for (let j = 0; j < s.size; j++) out[s.offset + j] *= m[j];
      }
    }
    return out;
  }

  /** Every parameter's 0/1 mask in one array (1 where unmasked), or undefined when nothing is masked. */
  fullMask(): Float32Array | undefined {
    if (!this.specs.some((s) => s.mask)) return undefined;
    const m = new Float32Array(this.size).fill(1);
    for (const s of this.specs) if (s.mask) m.set(s.mask, s.offset);
    return m;
  }

  /** Name → values, for inspection and tests. */
  get(name: string): Float32Array {
    const s = this.specs.find((p) => p.name === name);
    if (s) return this.values.subarray(s.offset, s.offset + s.size);
    for (const g of this.specs) {
      const part = g.parts?.find((p) => `${g.name}.${p.name}` === name);
      if (part) return this.values.subarray(g.offset + part.offset, g.offset + part.offset + part.size);
    }
    throw new Error(`ParamStore: no parameter ${name}`);
  }
}

/** Tensors of a store's parameters, indexed as returned by `ParamStore.add`. */
export type ParamTensors = tf.Tensor[];

/** Initialisers (PyTorch nn.Linear defaults, so learning dynamics match the reference). */
export const init = {
  zeros: () => (a: Float32Array) => a.fill(0),
  constant: (c: number) => (a: Float32Array) => a.fill(c),
  uniform: (rng: { range(a: number, b: number): number }, bound: number) => (a: Float32Array) => {
    for (let i = 0; i < a.length; i++) a[i] = rng.range(-bound, bound);
  },
};
