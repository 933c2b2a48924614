/**
 * Cosine annealing (Loshchilov & Hutter 2017, SGDR, without restarts): v(t) = v0 · ½(1 + cos(π t)),
 * t ∈ [0, 1] the fraction of the budget spent (steps, or wall time for a seconds budget).
 * Used for the learning rate and for the movement-penalty weight.
 */
export function cosine(v0: number, fraction: number): number {
  const t = Math.min(1, Math.max(0, fraction));
  return v0 * 0.5 * (1 + Math.cos(Math.PI * t));
}
