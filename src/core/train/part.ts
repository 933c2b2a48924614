/**
 * A part of one training step's mini-batch, for data-parallel gradients (src/core/train/parallel.ts).
 *
 * Part k of K is a contiguous slice of the step's batch indices. An objective asked for a part returns that
 * part's *share* of the step's loss: the sum over its rows divided by the full batch size, so the shares of
 * the K parts (and their gradients) add up to the full step's mean loss and its gradient exactly, up to
 * float32 summation order. Extras are reported as shares too, so they add up the same way.
 */
export interface BatchPart {
  index: number;
  count: number;
}

/** [start, end) of part `p` of a batch of n rows: near-equal contiguous slices, the larger ones last. */
export function partRange(n: number, p: BatchPart): [number, number] {
  if (!(p.count >= 1) || p.index < 0 || p.index >= p.count) throw new Error(`batch part ${p.index} of ${p.count}`);
  return [Math.floor((n * p.index) / p.count), Math.floor((n * (p.index + 1)) / p.count)];
}

/** The indices of part `p` (a view, no copy); all of `idx` when p is undefined. */
export function partOf(idx: Int32Array, p: BatchPart | undefined): Int32Array {
  if (!p) return idx;
  const [s, e] = partRange(idx.length, p);
  return idx.subarray(s, e);
}
