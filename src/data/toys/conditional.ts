/**
 * Conditional wrappers of the flows-for-flows paper (Klein, Raine, Golling 2022, sec. 4.2; jraine/flows4flows
 * `conditional_plane.py`): each point of a base toy gets its own transformation, and the transformation's
 * parameter is the condition the flows see.
 *
 * - rotation: angle θ ~ U[0°, maxAngle) (default 45°), condition θ / maxAngle ∈ [0, 1). The data are also
 *   scaled by 1/√2 so a toy filling [−4, 4]² stays inside it after a 45° turn. Like the reference (row
 *   vectors times [[c, −s], [s, c]]) the turn is clockwise: (x, y) ↦ (x c + y s, −x s + y c).
 * - radial: scale s = √U·(max − min) + min (√U: the area of a disc grows as s², so radii come out as if
 *   drawn uniformly over the disc), condition s; default min 0, max 1 as the reference.
 * - ellipse: independent scales per axis drawn like radial, condition (s_x, s_y).
 */
import type { Rng } from '../../core/random';

export type ConditionKind = 'rotation' | 'radial' | 'ellipse';

export interface ConditionOptions {
  /** Rotation: largest angle in degrees (exclusive); default 45. */
  maxAngle?: number;
  /** Radial / ellipse: scale range; default [0, 1]. */
  minScale?: number;
  maxScale?: number;
  /**
   * A fixed condition instead of a random one, for evaluating a morph at one setting: rotation takes the
   * condition value θ / maxAngle, radial the scale, ellipse [s_x, s_y].
   */
  at?: number | [number, number];
}

export const CONDITION_KINDS: ConditionKind[] = ['rotation', 'radial', 'ellipse'];

export function conditionWidth(kind: ConditionKind): number {
  return kind === 'ellipse' ? 2 : 1;
}

export function describeCondition(kind: ConditionKind, o: ConditionOptions): string {
  const maxAngle = o.maxAngle ?? 45;
  const lo = o.minScale ?? 0;
  const hi = o.maxScale ?? 1;
  switch (kind) {
    case 'rotation':
      return `Rotated clockwise by θ ~ U[0°, ${maxAngle}°) and scaled by 1/√2; condition c0 = θ/${maxAngle} ∈ [0, 1).`;
    case 'radial':
      return `Scaled by s = √U·(${hi} − ${lo}) + ${lo}; condition c0 = s.`;
    case 'ellipse':
      return `Each axis scaled by its own s = √U·(${hi} − ${lo}) + ${lo}; conditions c0 = s_x, c1 = s_y.`;
  }
}

/**
 * E[log s] for s = a + b·√U, U ~ U(0, 1): ∫₀¹ 2w log(a + b w) dw in closed form (a ≥ 0, b ≥ 0, a + b > 0).
 * It turns a base toy's entropy H into the conditional entropy H(x | s) = H + d·E[log s].
 */
export function expectedLogScale(a: number, b: number): number {
  if (b === 0) return Math.log(a);
  const F = (t: number) => (t > 0 ? 0.5 * t * t * Math.log(t) - 0.25 * t * t - a * (t * Math.log(t) - t) : 0);
  return (2 / (b * b)) * (F(a + b) - F(a));
}

/** Conditional entropy H(x | c) of the wrapped toy from the base toy's entropy (undefined if that is). */
export function conditionalEntropy(kind: ConditionKind, o: ConditionOptions, base: number | undefined): number | undefined {
  if (base === undefined) return undefined;
  const lo = o.minScale ?? 0;
  const hi = o.maxScale ?? 1;
  const at = o.at;
  switch (kind) {
    case 'rotation':
      // A rotation keeps volume; the 1/√2 scaling in 2-D multiplies it by ½.
      return base - Math.log(2);
    case 'radial': {
      const el = at !== undefined ? Math.log(Array.isArray(at) ? at[0] : at) : expectedLogScale(lo, hi - lo);
      return base + 2 * el;
    }
    case 'ellipse': {
      if (at !== undefined) {
        const [sx, sy] = Array.isArray(at) ? at : [at, at];
        return base + Math.log(sx) + Math.log(sy);
      }
      return base + 2 * expectedLogScale(lo, hi - lo);
    }
  }
}

/**
 * Transform the base points `xy` (row-major n × 2, in place) and return the conditions (n × width).
 */
export function applyCondition(kind: ConditionKind, xy: Float64Array, rng: Rng, o: ConditionOptions): Float64Array {
  const n = xy.length / 2;
  const lo = o.minScale ?? 0;
  const hi = o.maxScale ?? 1;
  if (!(hi >= lo && lo >= 0)) throw new Error(`toy condition: need 0 ≤ minScale ≤ maxScale, got [${lo}, ${hi}]`);
  const scale = () => Math.sqrt(rng.uniform()) * (hi - lo) + lo;
  const fixed = (i: number): number | undefined => {
    const at = o.at;
    if (at === undefined) return undefined;
    return Array.isArray(at) ? at[i] : at;
  };
  switch (kind) {
    case 'rotation': {
      const maxAngle = o.maxAngle ?? 45;
      if (!(maxAngle > 0)) throw new Error(`toy condition: maxAngle must be > 0, got ${maxAngle}`);
      const c = new Float64Array(n);
      const k = Math.SQRT1_2;
      for (let i = 0; i < n; i++) {
        const u = fixed(0) ?? rng.uniform();
        const theta = ((u * maxAngle) / 180) * Math.PI;
        const cs = Math.cos(theta);
        const sn = Math.sin(theta);
        const x = xy[2 * i];
        const y = xy[2 * i + 1];
        xy[2 * i] = k * (x * cs + y * sn);
        xy[2 * i + 1] = k * (-x * sn + y * cs);
        c[i] = u;
      }
      return c;
    }
    case 'radial': {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const s = fixed(0) ?? scale();
        xy[2 * i] *= s;
        xy[2 * i + 1] *= s;
        c[i] = s;
      }
      return c;
    }
    case 'ellipse': {
      const c = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const sx = fixed(0) ?? scale();
        const sy = fixed(1) ?? scale();
        xy[2 * i] *= sx;
        xy[2 * i + 1] *= sy;
        c[2 * i] = sx;
        c[2 * i + 1] = sy;
      }
      return c;
    }
  }
}
