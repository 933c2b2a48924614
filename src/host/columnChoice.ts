/**
 * The column picker's rules, without vscode (the unit tests run them in Node): which of a file's columns
 * are features and which are conditions, checked and put in file order, and the experiment with that
 * choice written into its source or target data spec (the `columns` / `conditionColumns` the CLI's
 * `--experiment FILE` and the extension both read). The quick picks are in columnPicker.ts.
 */
import type { Experiment } from '../config/experiment';
import type { DataSpec } from '../jobs/types';
import { l10n } from './l10n';

export interface ColumnChoice {
  /** Feature columns by name, in file order. */
  columns: string[];
  /** Condition columns by name, in file order; empty for an unconditional dataset. */
  conditionColumns: string[];
}

/**
 * Checks a choice against the file's columns and returns it in file order. Throws (a message for the
 * user) on no feature, an unknown column, or a column chosen as both.
 */
export function columnChoice(all: readonly string[], features: readonly string[], conditions: readonly string[]): ColumnChoice {
  const unknown = [...features, ...conditions].filter((c) => !all.includes(c));
  if (unknown.length) throw new Error(l10n.t('no column {0} in the file (its columns: {1})', unknown.map((c) => `"${c}"`).join(', '), all.join(', ')));
  const both = features.filter((c) => conditions.includes(c));
  if (both.length) throw new Error(l10n.t('{0} cannot be both a feature and a condition', both.join(', ')));
  if (features.length === 0) throw new Error(l10n.t('choose at least one feature column'));
  return { columns: all.filter((c) => features.includes(c)), conditionColumns: all.filter((c) => conditions.includes(c)) };
}

/** What the picker offers first: the spec's choice when it names this file's columns, else every column as a feature. */
export function initialChoice(all: readonly string[], spec: DataSpec | undefined): ColumnChoice {
  const names = (cols: (string | number)[] | undefined) => (cols ?? []).map((c) => (typeof c === 'number' ? all[c] : c)).filter((c): c is string => c !== undefined && all.includes(c));
  const conditionColumns = names(spec?.conditionColumns);
  const given = names(spec?.columns);
  const columns = given.length ? given : all.filter((c) => !conditionColumns.includes(c));
  try {
    return columnChoice(all, columns, conditionColumns);
  } catch {
    return { columns: [...all], conditionColumns: [] };
  }
}

/**
 * The experiment with `role`'s data spec set to `rel` (the path as the experiment file stores it) and the
 * chosen columns. Other settings of the spec (HDF5 dataset, dropNonFinite) are kept when the file is the
 * same; `conditionColumns` is left out when empty.
 */
export function withColumns(exp: Experiment, role: 'source' | 'target', rel: string, choice: ColumnChoice, extra: Omit<DataSpec, 'path' | 'columns' | 'conditionColumns'> = {}): Experiment {
  const old = exp[role];
  const keep: Omit<DataSpec, 'path'> = old && old.path === rel ? { ...old } : {};
  delete keep.columns;
  delete keep.conditionColumns;
  const spec: DataSpec = { ...keep, ...extra, path: rel, columns: [...choice.columns] };
  if (choice.conditionColumns.length) spec.conditionColumns = [...choice.conditionColumns];
  return { ...exp, [role]: spec };
}
