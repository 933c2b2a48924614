/**
 * Column roles: which columns of a file are features and which are conditions (the context c of a
 * conditional flow). Columns are chosen by name or by 0-based index; a string of digits that names no
 * column is taken as an index (pandas frames often have columns literally named "0", "1", …, which match
 * by name first).
 */
import { DataError, listNames } from './errors';

export interface ColumnSelection {
  columns?: (string | number)[];
  conditionColumns?: (string | number)[];
}

export interface ResolvedColumns {
  features: number[];
  condition: number[];
  warnings: string[];
}

/**
 * @param names every column the file offers
 * @param nonNumeric columns that hold something else (index → type description): choosing one is an
 *   error; left out of the default feature set with a warning
 */
export function resolveColumns(file: string, names: readonly string[], sel: ColumnSelection, nonNumeric?: ReadonlyMap<number, string>, array?: string): ResolvedColumns {
  const where = array !== undefined ? { array } : {};
  const one = (c: string | number): number => {
    let i: number;
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= names.length) {
        throw new DataError(file, 'column-range', `column index ${c} is out of range: there are ${names.length} columns (0–${names.length - 1}: ${listNames(names)})`, { ...where, column: c });
      }
      i = c;
    } else {
      i = names.indexOf(c);
      if (i < 0 && /^\d+$/.test(c) && Number(c) < names.length) i = Number(c);
      if (i < 0) {
        const near = names.find((n) => n.toLowerCase() === c.toLowerCase() || n.trim() === c.trim());
        const hint = near !== undefined ? ` (did you mean '${near}'?)` : '';
        throw new DataError(file, 'column-missing', `no such column${hint}; columns are: ${listNames(names, 20)}`, { ...where, column: c });
      }
    }
    const bad = nonNumeric?.get(i);
    if (bad !== undefined) throw new DataError(file, 'not-numeric', `column is not numeric (${bad})`, { ...where, column: names[i] });
    return i;
  };
  const condition = (sel.conditionColumns ?? []).map(one);
  const warnings: string[] = [];
  let features: number[];
  if (sel.columns !== undefined) {
    features = sel.columns.map(one);
  } else {
    const taken = new Set(condition);
    features = [];
    const skipped: string[] = [];
    for (let i = 0; i < names.length; i++) {
      if (taken.has(i)) continue;
      if (nonNumeric?.has(i)) skipped.push(`${names[i]} (${nonNumeric.get(i)})`);
      else features.push(i);
    }
    if (skipped.length) warnings.push(`skipped non-numeric columns: ${listNames(skipped)}`);
  }
  const seen = new Set<number>();
  for (const i of features) {
    if (seen.has(i)) throw new DataError(file, 'column-duplicate', 'column chosen twice as a feature', { ...where, column: names[i] });
    seen.add(i);
  }
  const cseen = new Set<number>();
  for (const i of condition) {
    if (seen.has(i)) throw new DataError(file, 'column-role', 'column chosen both as a feature and as a condition', { ...where, column: names[i] });
    if (cseen.has(i)) throw new DataError(file, 'column-duplicate', 'column chosen twice as a condition', { ...where, column: names[i] });
    cseen.add(i);
  }
  if (features.length === 0) {
    throw new DataError(file, 'no-columns', names.length === 0 ? 'has no columns' : `no feature columns left (columns: ${listNames(names)}; conditions: ${condition.length})`, where);
  }
  return { features, condition, warnings };
}

/** Makes header names unique the way pandas does ('a', 'a.1', 'a.2') and names blank ones by position. */
export function uniqueNames(raw: readonly string[]): { names: string[]; renamed: string[] } {
  const used = new Set<string>();
  const renamed: string[] = [];
  const names = raw.map((r, i) => {
    let n = r.trim() === '' ? `x${i}` : r;
    if (used.has(n)) {
      let k = 1;
      while (used.has(`${n}.${k}`)) k++;
      renamed.push(`${n} → ${n}.${k}`);
      n = `${n}.${k}`;
    }
    used.add(n);
    return n;
  });
  return { names, renamed };
}
