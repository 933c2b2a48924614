/**
 * What the trainer trains: an objective over one flat parameter store (../params.ts). Concrete
 * objectives live in src/core/objectives/; nothing in train/ knows them. An objective that data-parallel
 * training (./parallel.ts) may split into batch parts describes itself with a recipe a worker thread
 * rebuilds it from (src/core/objectives/spec.ts holds the builders).
 */
import type { tf } from '../tf';
import type { ParamStore, ParamTensors } from '../params';
import type { BatchPart } from './part';

export interface StepLoss {
  loss: tf.Scalar;
  /** Named scalars to report (e.g. per-direction losses, displacement). */
  extras?: Record<string, tf.Scalar>;
}

/**
 * A serialisable description of an objective: only configs, seeds and typed arrays (tensors cannot cross
 * threads), tagged by `kind`. The trained parameters are not part of it: they are sent every step.
 */
export interface ObjectiveRecipe {
  kind: string;
}

export interface Objective {
  readonly store: ParamStore;
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  /**
   * The loss of training step `step`; `fraction` is the share of the budget spent (for annealing). With
   * `part`, only that part's share of the step's batch (./part.ts); only objectives with a recipe are
   * ever asked for a part.
   */
  loss(P: ParamTensors, step: number, fraction: number, part?: BatchPart): StepLoss;
  /** Held-out loss with the current parameters. */
  validate?(): number;
  /**
   * The recipe a worker thread rebuilds this very objective from (same parameter layout, batches and
   * frozen parts), or undefined when it cannot be split into batch parts.
   */
  recipe?(): ObjectiveRecipe | undefined;
  /** Ends what the objective runs beside the training thread (the trainer calls it when the run ends). */
  close?(): void;
}

/**
 * The same recipe with every Float32Array moved into shared memory (copied once; arrays already shared
 * are kept). Posting it to a worker then shares the arrays instead of copying them.
 */
export function shareRecipe<R>(recipe: R): R {
  return shareValue(recipe) as R;
}

function shareValue(v: unknown): unknown {
  if (v instanceof Float32Array) {
    if (v.buffer instanceof SharedArrayBuffer) return v;
    const s = new Float32Array(new SharedArrayBuffer(v.byteLength));
    s.set(v);
    return s;
  }
  if (Array.isArray(v)) return v.map(shareValue);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shareValue(x);
    return out;
  }
  return v;
}
