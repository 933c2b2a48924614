/**
 * One training step's loss and gradient: the only place an objective is differentiated. The trainer's
 * single-thread loop computes the whole batch (part undefined); data-parallel training
 * (./parallel.ts) computes one batch part (./part.ts) per thread with the same function.
 */
import { tf } from '../tf';
import type { BatchPart } from './part';
import type { Objective } from './objective';

/** A step's (or a part's share of a step's) loss and named extras, read back as numbers. */
export interface StepValues {
  loss: number;
  extras: Record<string, number>;
}

/**
 * The loss and extras of step `step` at the store's current values, with the gradient written into `out`
 * (multiplied by the parameters' masks when `mask`; the optimizer masks it again either way).
 */
export function stepGradient(obj: Objective, step: number, fraction: number, part: BatchPart | undefined, out: Float32Array, mask: boolean): StepValues {
  const store = obj.store;
  const P = store.upload();
  let extras: Record<string, tf.Scalar> | undefined;
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((...ps: tf.Tensor[]) => {
      const r = obj.loss(ps, step, fraction, part);
      if (r.extras) for (const k of Object.keys(r.extras)) tf.keep(r.extras[k]);
      extras = r.extras;
      return r.loss;
    })(P),
  );
  for (const t of P) t.dispose();
  store.collectGrads(grads, out, mask);
  const loss = (value.dataSync() as Float32Array)[0];
  const vals: Record<string, number> = {};
  if (extras) for (const [k, t] of Object.entries(extras)) vals[k] = t.dataSync()[0];
  // An extra may be the loss tensor itself (e.g. the NLL when no penalty applies): free each once.
  for (const t of new Set([value, ...Object.values(extras ?? {})])) t.dispose();
  return { loss, extras: vals };
}
