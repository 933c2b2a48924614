/**
 * Morph space: the coordinates the top flow works in, i.e. the source model's preprocessing. The target
 * model may have been fitted with other preprocessing; its density is then read through the fixed affine
 * map between the two (see FrozenDensity), so nothing is retrained and the identity stays the identity.
 */
import { FrozenDensity } from '../core/density/frozen-flow';
import type { Flow } from '../core/flow';
import { matrix, type Matrix } from '../data/matrix';
import { applyScaler, invertScaler, type Scaler } from '../data/preprocess';

export interface MorphSpace {
  scaler: Scaler;
  conditionScaler?: Scaler;
}

/** Per-column a, b with (x_morph ↦ a·x_morph + b) = other ∘ morph⁻¹, for scalers y = (x − shift)/scale. */
function affineBetween(morph: Scaler, other: Scaler): { scale: Float32Array; shift: Float32Array } {
  const n = morph.scale.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    scale[j] = morph.scale[j] / other.scale[j];
    shift[j] = (morph.shift[j] - other.shift[j]) / other.scale[j];
  }
  return { scale, shift };
}

export function densityInMorphSpace(space: MorphSpace, flow: Flow, scaler: Scaler, conditionScaler?: Scaler): FrozenDensity {
  const a = affineBetween(space.scaler, scaler);
  const c = space.conditionScaler && conditionScaler ? affineBetween(space.conditionScaler, conditionScaler) : undefined;
  return new FrozenDensity(flow, { scale: a.scale, shift: a.shift, cScale: c?.scale, cShift: c?.shift });
}

export function toMorph(space: MorphSpace, m: Matrix): Float32Array {
  return applyScaler(space.scaler, m).data;
}

export function conditionToMorph(space: MorphSpace, c: Matrix | undefined): Float32Array | undefined {
  if (!c) return undefined;
  return space.conditionScaler ? applyScaler(space.conditionScaler, c).data : c.data;
}

export function fromMorph(space: MorphSpace, data: Float32Array, columns: string[]): Matrix {
  return invertScaler(space.scaler, matrix(data.length / columns.length, columns.length, data, columns));
}
