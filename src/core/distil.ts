/**
 * Method cfm-f4f: a flow for flows distilled from OT flow matching, so the morph keeps an exact density
 * and an exact inverse at close to flow matching's displacement.
 *
 *   1. A velocity field is trained by minibatch-OT conditional flow matching (./cfm.ts, exactly as method
 *      ot-cfm) for the share `ot.pretrain` of the budget.
 *   2. Its transport T (RK4) is computed once for DISTIL_ROWS source training rows: the pairs (x, T(x))
 *      are a deterministic, non-crossing map, and need no OT pairing per step.
 *   3. The top flow g is trained on the rest of the budget as ot-f4f trains it, with (x, T(x)) in place of
 *      the minibatch OT partners (./f4f.ts): first regression of g(x) onto T(x) and of g⁻¹(T(x)) onto x,
 *      then the flows-for-flows likelihood with that regression as a cosine-annealed penalty.
 *
 * The run saves only the top flow (a flow, like f4f and ot-f4f); the velocity field is discarded.
 */
import type { TrainConfig } from './config';
import { FlowForFlow } from './f4f';
import { drawsOtherCondition } from './morph-modes';
import type { MorphSample, PairedBatch } from './objectives/morph';
import { Rng } from './random';
import { gatherRows } from './train/batches';
import { train, type TrainHooks } from './train/trainer';

/** Source rows whose transport T(x) the top flow is regressed onto (cost: RK4 over these rows once). */
export const DISTIL_ROWS = 4096;

/** How a budget splits between the velocity field and the top flow. */
export interface DistilBudget {
  field: TrainConfig;
  /** The top flow's budget; for a seconds budget, what remains once the partners are computed. */
  flow: (elapsedSec: number) => TrainConfig;
}

/** Split `t` (steps, epochs or seconds) by `share` for the field; the flow gets the rest. */
export function splitBudget(t: TrainConfig, share: number, stepsPerEpoch: number): DistilBudget {
  const { steps: _s, epochs: _e, seconds: _c, ...rest } = t;
  const steps = t.steps ?? (t.epochs !== undefined ? Math.max(1, Math.round(t.epochs * stepsPerEpoch)) : undefined);
  if (steps !== undefined) {
    const fieldSteps = Math.min(steps - 1, Math.max(1, Math.round(share * steps)));
    return { field: { ...rest, steps: fieldSteps }, flow: () => ({ ...rest, steps: Math.max(1, steps - fieldSteps) }) };
  }
  const seconds = t.seconds as number;
  return {
    field: { ...rest, seconds: share * seconds },
    // At least a tenth of the budget for the flow, even when computing the partners overran.
    flow: (elapsed) => ({ ...rest, seconds: Math.max(0.1 * seconds, seconds - elapsed) }),
  };
}

export interface DistilResult {
  /** The top flow's training configuration (the rest of the budget). */
  flowTrain: TrainConfig;
  fieldSteps: number;
  /** Seconds spent on the field and on computing the partners. */
  seconds: number;
}

/**
 * Phases 1 and 2 above: train a velocity field on `src` → `tgt`, set `f.partners` to (x, T(x)) for up to
 * DISTIL_ROWS source rows, and return the top flow's budget.
 */
export async function distilPartners(
  f: FlowForFlow,
  src: MorphSample,
  tgt: MorphSample,
  t: TrainConfig,
  hooks: Pick<TrainHooks, 'cancelled' | 'onStep'> & { onLog?: (s: string) => void } = {},
): Promise<DistilResult> {
  if (f.config.method !== 'cfm-f4f') throw new Error(`distilPartners is for method cfm-f4f, got ${f.config.method}`);
  const t0 = performance.now();
  const matcher = new FlowForFlow({ ...f.config, method: 'ot-cfm', penalty: { kind: 'none', weight: 0, anneal: false } }, f.source, f.target, f.conditions, f.seed);
  try {
    matcher.pairWeights = f.pairWeights;
    const obj = matcher.objective(src, tgt);
    const budget = splitBudget(t, f.config.ot.pretrain, obj.stepsPerEpoch);
    hooks.onLog?.(`cfm-f4f: training the velocity field (${budget.field.steps !== undefined ? `${budget.field.steps} steps` : `${budget.field.seconds?.toFixed(1)} s`}), then distilling it into the top flow`);
    const r = await train(obj, budget.field, { cancelled: hooks.cancelled, onStep: hooks.onStep });
    f.partners = transportPartners(matcher, src, tgt, Math.min(DISTIL_ROWS, src.rows), f.seed);
    const seconds = (performance.now() - t0) / 1000;
    return { flowTrain: budget.flow(seconds), fieldSteps: r.steps, seconds };
  } finally {
    matcher.dispose();
  }
}

/**
 * (x, T(x)) for `n` seeded source rows through `matcher`'s velocity field; in delta / concat modes each
 * row's target condition is drawn from the target rows (as the panel's morph draws it), elsewhere it is
 * the row's own.
 */
export function transportPartners(matcher: FlowForFlow, src: MorphSample, tgt: MorphSample, n: number, seed: number): PairedBatch {
  const D = matcher.features;
  const C = matcher.conditions;
  const rng = new Rng((seed * 31 + 7) >>> 0);
  const idx = rng.permutation(src.rows).subarray(0, n);
  const x = gatherRows(src.x, D, idx);
  let cx: Float32Array | undefined;
  let cy: Float32Array | undefined;
  if (C > 0 && src.c && tgt.c) {
    cx = gatherRows(src.c, C, idx);
    cy = drawsOtherCondition(matcher.config.mode) ? gatherRows(tgt.c, C, Int32Array.from({ length: n }, () => rng.int(tgt.rows))) : cx;
  }
  const y = matcher.morph(x, { cIn: cx, cOut: cy });
  return { n, x, y, cx, cy };
}
