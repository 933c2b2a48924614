/**
 * Loading a DataSpec for a job: a dataset file (any format src/data reads), or `toy:NAME[:ROWS[:SEED]]`
 * for a generated toy (handy for demos and benchmarks; never written anywhere).
 */
import { DataError, listNames } from '../data/errors';
import type { Matrix } from '../data/matrix';
import { readDataset } from '../data/read';
import { generateToy } from '../data/toys';
import type { DataSpec } from './types';

export interface LoadedData {
  label: string;
  features: Matrix;
  condition?: Matrix;
  warnings: string[];
}

export async function loadData(spec: DataSpec): Promise<LoadedData> {
  const toy = /^toy:([a-z0-9-]+)(?::(\d+))?(?::(\d+))?$/i.exec(spec.path);
  if (toy) {
    const n = toy[2] ? Number(toy[2]) : 20000;
    const seed = toy[3] ? Number(toy[3]) : 0;
    const t = generateToy(toy[1], n, seed);
    return { label: spec.path, features: t.features, condition: t.condition, warnings: [] };
  }
  const d = await readDataset(spec.path, {
    columns: spec.columns,
    conditionColumns: spec.conditionColumns,
    dataset: spec.dataset,
    dropNonFinite: spec.dropNonFinite,
    header: spec.header,
    maxRows: spec.maxRows,
    maxBytes: spec.maxBytes,
    workspaceRoot: spec.workspaceRoot,
  });
  return { label: spec.path, features: d.features, condition: d.condition, warnings: d.warnings };
}

/**
 * Loads data for a saved model or run: unless the user chose columns, the file's columns are matched by
 * name against the ones the model was fitted on (in that order), so a file with its columns in another
 * order is read correctly and one without them is refused, naming what is missing.
 */
export async function loadDataFor(spec: DataSpec, fitted: { columns: string[]; conditionColumns?: string[] }, model: string): Promise<LoadedData> {
  if (/^toy:/i.test(spec.path) || spec.columns !== undefined) {
    return loadData({ ...spec, conditionColumns: spec.conditionColumns ?? fitted.conditionColumns });
  }
  try {
    return await loadData({ ...spec, columns: fitted.columns, conditionColumns: spec.conditionColumns ?? fitted.conditionColumns });
  } catch (e) {
    if (!(e instanceof DataError && e.code === 'column-missing')) throw e;
    const cond = fitted.conditionColumns?.length ? ` and condition columns ${listNames(fitted.conditionColumns)}` : '';
    throw new DataError(e.file, e.code, `${e.reason}; ${model} was fitted on columns ${listNames(fitted.columns)}${cond}, matched by name: give --columns (names or 0-based positions) to choose others`, e.column !== undefined ? { column: e.column } : {});
  }
}
