/**
 * The condition modes of a morph (flows for flows, Klein, Raine & Golling 2022, arXiv:2211.02487, §3.2 on
 * conditional morphs): which condition columns the top flow or the flow-matching field sees, and how a
 * moved row's input and output conditions are laid side by side.
 */
import type { ContextMode } from './config';

/** Context columns the top flow sees for a mode with C condition columns. */
export function topContextDim(mode: ContextMode, C: number): number {
  if (C === 0 || mode === 'none' || mode === 'two-bases') return 0;
  return mode === 'concat' ? 2 * C : C;
}

/** Whether a mode pairs each row with a condition drawn from the other side (else c_out = c_in). */
export function drawsOtherCondition(mode: ContextMode): boolean {
  return mode === 'delta' || mode === 'concat';
}

/** Condition columns the flow-matching field sees (besides t) for a mode with C condition columns. */
export function fieldContextDim(mode: ContextMode, C: number): number {
  if (C === 0 || mode === 'none') return 0;
  return drawsOtherCondition(mode) ? 2 * C : C;
}

/** Rows of [a, b] from two row-major arrays of C columns each (n rows). */
export function concatCols(a: Float32Array | undefined, b: Float32Array | undefined, n: number, C: number): Float32Array {
  if (!a || !b) throw new Error(`morph: this model needs ${C} condition column(s) for input and target`);
  const out = new Float32Array(n * 2 * C);
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * C, (i + 1) * C), i * 2 * C);
    out.set(b.subarray(i * C, (i + 1) * C), i * 2 * C + C);
  }
  return out;
}

