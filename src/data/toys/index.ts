/**
 * Toy datasets by name: the 2-D densities of the flows-for-flows paper (see ./plane.ts) and their
 * conditional variants (./conditional.ts), as Flowmorph Matrices (columns x0, x1; conditions c0[, c1]).
 * Same name, n and seed ⇒ the same numbers on any machine.
 */
import { Rng } from '../../core/random';
import { matrix, type Matrix } from '../matrix';
import {
  applyCondition,
  CONDITION_KINDS,
  conditionalEntropy,
  conditionWidth,
  describeCondition,
  type ConditionKind,
  type ConditionOptions,
} from './conditional';
import { PLANE_TOYS, type PlaneToy } from './plane';

export type { ConditionKind, ConditionOptions } from './conditional';

export interface ToyOptions extends ConditionOptions {
  /** Wrap the toy in a conditional transformation; the result then carries `condition`. */
  condition?: ConditionKind;
}

export interface ToyInfo {
  name: string;
  description: string;
  /** The density in words. */
  density: string;
  /** Differential entropy in nats (the best achievable NLL), when known exactly; see `entropyMethod`. */
  entropy?: number;
  entropyMethod?: 'closed form' | 'quadrature';
  /** Whether `toyLogDensity` can evaluate the exact density. */
  hasDensity: boolean;
  /** Half-width of a square around the origin holding (nearly) all of the data; a plot range. */
  extent: number;
  /** Only when `opts.condition` is given. */
  conditional?: {
    kind: ConditionKind;
    columns: string[];
    description: string;
    /** H(x | c) in nats when the base entropy is known: the best achievable conditional NLL. */
    entropy?: number;
  };
}

const ALIASES: Record<string, string> = { spirals: 'twospirals', eighstar: 'eightstar' };

/** Names of all toys, in a stable order. */
export function toyNames(): string[] {
  return PLANE_TOYS.map((t) => t.name);
}

function lookup(name: string): PlaneToy {
  const key = name.trim().toLowerCase();
  const toy = PLANE_TOYS.find((t) => t.name === (ALIASES[key] ?? key));
  if (!toy) throw new Error(`unknown toy "${name}"; available: ${toyNames().join(', ')}`);
  return toy;
}

function checkKind(kind: string): ConditionKind {
  if (!(CONDITION_KINDS as string[]).includes(kind)) {
    throw new Error(`unknown toy condition "${kind}"; available: ${CONDITION_KINDS.join(', ')}`);
  }
  return kind as ConditionKind;
}

function conditionColumns(kind: ConditionKind): string[] {
  return Array.from({ length: conditionWidth(kind) }, (_, i) => `c${i}`);
}

export function toyInfo(name: string, opts: ToyOptions = {}): ToyInfo {
  const t = lookup(name);
  const info: ToyInfo = {
    name: t.name,
    description: t.description,
    density: t.density,
    entropy: t.entropy,
    entropyMethod: t.entropyMethod,
    hasDensity: t.logDensity !== undefined,
    extent: t.extent,
  };
  if (opts.condition !== undefined) {
    const kind = checkKind(opts.condition);
    info.conditional = {
      kind,
      columns: conditionColumns(kind),
      description: describeCondition(kind, opts),
      entropy: conditionalEntropy(kind, opts, t.entropy),
    };
  }
  return info;
}

/**
 * n points of the named toy from `seed`. With `opts.condition` the base points are transformed per row
 * and `condition` holds the parameters. The base points are the same with and without a condition (the
 * condition draws come from a second stream), so a wrapped toy is the plain one transformed.
 */
export function generateToy(name: string, n: number, seed: number, opts: ToyOptions = {}): { features: Matrix; condition?: Matrix } {
  const toy = lookup(name);
  if (!Number.isInteger(n) || n < 0) throw new Error(`generateToy: n must be a non-negative integer, got ${n}`);
  const xy = toy.sample(n, new Rng(seed));
  let condition: Matrix | undefined;
  if (opts.condition !== undefined) {
    const kind = checkKind(opts.condition);
    const c = applyCondition(kind, xy, new Rng((seed ^ 0x5bd1e995) >>> 0), opts);
    condition = matrix(n, conditionWidth(kind), Float32Array.from(c), conditionColumns(kind));
  }
  const features = matrix(n, 2, Float32Array.from(xy), ['x0', 'x1']);
  return condition ? { features, condition } : { features };
}

/**
 * Exact log density (nats) of the plain (unconditional) toy at each row of `m` (2 columns). Throws for
 * toys without a tractable density (see `toyInfo(name).hasDensity`).
 */
export function toyLogDensity(name: string, m: Matrix): Float64Array {
  const toy = lookup(name);
  if (!toy.logDensity) throw new Error(`toy "${toy.name}" has no closed-form density`);
  if (m.cols !== 2) throw new Error(`toyLogDensity: toys are 2-D, got ${m.cols} columns`);
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = toy.logDensity(m.data[2 * i], m.data[2 * i + 1]);
  return out;
}
