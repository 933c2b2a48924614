/**
 * How well a morphed sample matches the target, next to the noise floor: the same distances between two
 * independent target samples, i.e. what a perfect morph would score with these sample sizes. A morph is
 * faithful when its scores sit at the floors. Floors shrink like 1/√n: for the checkerboard the sliced W1
 * floor is ≈ 0.08 ± 0.03 at 2000 points and ≈ 0.05 at 5000 (bench/results/ot.json).
 * Both comparisons use the same directions and subsampling seeds (common random numbers), so the gap to
 * the floor is not blurred by projection noise.
 */
import type { Matrix } from '../../data/matrix';
import { energyDistance } from './energy';
import { slicedW1 } from './sliced';

export interface Fidelity {
  /** Sliced W1 between the morphed sample and a target sample. */
  slicedW1: number;
  /** Sliced W1 between two independent target samples. */
  slicedW1Floor: number;
  /** Unbiased energy distance between morphed and target. */
  energy: number;
  /** The same between the two target samples (≈ 0 up to noise). */
  energyFloor: number;
}

export interface FidelityOptions {
  /** Sliced W1 directions; default 1000. */
  projections?: number;
  /** Sliced W1 subsample size; default 20 000. */
  maxPoints?: number;
  /** Energy distance subsample size; default 2000. */
  energyMaxPoints?: number;
  seed?: number;
}

export function fidelity(morphed: Matrix, target: Matrix, target2: Matrix, opts: FidelityOptions = {}): Fidelity {
  const seed = opts.seed ?? 0;
  const s = { projections: opts.projections, maxPoints: opts.maxPoints, seed };
  const e = { maxPoints: opts.energyMaxPoints, seed };
  return {
    slicedW1: slicedW1(morphed, target, s),
    slicedW1Floor: slicedW1(target2, target, s),
    energy: energyDistance(morphed, target, e),
    energyFloor: energyDistance(target2, target, e),
  };
}
