/**
 * Checks the jobs share, apart from the training code: enough rows to train and measure a flow, constant
 * columns, and non-finite numbers in an answer.
 */
import { DataError } from '../data/errors';
import type { Matrix } from '../data/matrix';

/** Rows a flow needs per feature column, and at the least, to train and to hold some out for validation. */
export const MIN_ROWS_PER_FEATURE = 10;
export const MIN_ROWS = 20;

export function minRows(features: number): number {
  return Math.max(MIN_ROWS, MIN_ROWS_PER_FEATURE * features);
}

/**
 * Throws DataError when `m` has too few rows to fit a flow (the message says how many are needed);
 * returns a warning for each constant column (its density is a spike the flow cannot fit well).
 */
export function checkTrainable(file: string, m: Matrix): string[] {
  const need = minRows(m.cols);
  if (m.rows < need)
    throw new DataError(file, 'too-few-rows', `has ${m.rows} row(s); fitting a flow on ${m.cols} feature column(s) needs at least ${need} (${MIN_ROWS_PER_FEATURE} per feature, ${MIN_ROWS} at the least) so that held-out rows can measure it`);
  const warnings: string[] = [];
  for (let j = 0; j < m.cols; j++) {
    const first = m.data[j];
    let constant = true;
    for (let i = 1; i < m.rows && constant; i++) constant = m.data[i * m.cols + j] === first;
    if (constant) warnings.push(`warning: ${file}: column '${m.columns[j]}' is constant (${first} in every row); a flow cannot learn a spike: leave it out with --columns`);
  }
  return warnings;
}

/** The path (e.g. `evaluation.morph.nll`) of the first non-finite number in a JSON-able answer, if any. */
export function findNonFinite(v: unknown, at = ''): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : at || '(the answer)';
  if (v === null || typeof v !== 'object') return undefined;
  if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return `${at}[${i}]`;
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const hit = findNonFinite(x, Array.isArray(v) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
    if (hit) return hit;
  }
  return undefined;
}

/** Throws unless every value is finite: an answer with NaN or ±Inf in it is an error, not a result. */
export function assertFinite(values: ArrayLike<number>, what: string, cols = 1): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new Error(`${what}: row ${Math.floor(i / cols) + 1} is ${values[i]}; nothing was written (the model or the data gives non-finite numbers)`);
  }
}
