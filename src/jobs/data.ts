/**
 * Loading a DataSpec for a job: a dataset file (any format src/data reads), or `toy:NAME[:ROWS[:SEED]]`
 * for a generated toy (handy for demos and benchmarks; never written anywhere).
 */
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

export async function loadData(spec: DataSpec, workspaceRoot?: string): Promise<LoadedData> {
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
    workspaceRoot: spec.workspaceRoot ?? workspaceRoot,
  });
  return { label: spec.path, features: d.features, condition: d.condition, warnings: d.warnings };
}
