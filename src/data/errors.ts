/**
 * The one error type the data layer throws. Users bring their own files, so every failure says which file,
 * and where it applies which array, row and column, and what is wrong:
 *
 *   `<file>: array '<a>', row <r>, column <c>: <what is wrong>`
 *
 * (each part only when it applies). Rows are 1-based: the physical line number for text files (CSV/TSV),
 * the array row (first row = 1) for binary formats, the element of the data array for JSON. Columns are
 * printed by name in quotes when they have one, else as the 0-based index the caller used.
 */
export class DataError extends Error {
  readonly file: string;
  readonly row?: number;
  readonly column?: string | number;
  /** The array inside a container (HDF5 dataset path, .npz key), when the problem is in one. */
  readonly array?: string;
  /** Stable machine-readable reason, e.g. 'not-numeric', 'non-finite', 'ragged'. */
  readonly code: string;
  /** The reason alone, without the location prefix. */
  readonly reason: string;

  constructor(file: string, code: string, reason: string, where: { row?: number; column?: string | number; array?: string } = {}) {
    super(formatMessage(file, reason, where));
    this.name = 'DataError';
    this.file = file;
    this.code = code;
    this.reason = reason;
    if (where.row !== undefined) this.row = where.row;
    if (where.column !== undefined) this.column = where.column;
    if (where.array !== undefined) this.array = where.array;
  }
}

export function formatColumn(c: string | number): string {
  return typeof c === 'number' ? String(c) : `'${c}'`;
}

function formatMessage(file: string, reason: string, where: { row?: number; column?: string | number; array?: string }): string {
  const parts: string[] = [];
  if (where.array !== undefined) parts.push(`array '${where.array}'`);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column !== undefined) parts.push(`column ${formatColumn(where.column)}`);
  return parts.length ? `${file}: ${parts.join(', ')}: ${reason}` : `${file}: ${reason}`;
}

/** A short list of names for messages: `a, b, c, … (12 in all)`. */
export function listNames(names: readonly string[], max = 8): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}

/** Wraps a foreign exception (library, OS) as a DataError, leaving DataErrors untouched. */
export function asDataError(file: string, e: unknown, code: string, prefix: string, where: { array?: string } = {}): DataError {
  if (e instanceof DataError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DataError(file, code, `${prefix}: ${msg.split('\n')[0]}`, where);
}
