/**
 * Which files are datasets, by extension: the one list behind the readers (read.ts), the Explorer's menus
 * (package.json's `when` clauses, checked against it by test/unit/data/formats.test.ts), the file pickers
 * and the CLI's usage. Kept apart from read.ts so the extension host can ask without loading the readers.
 */
import * as path from 'path';
import type { DatasetFormat } from './source';

/** Every extension the readers take, with the format it reads as. */
const EXTENSIONS: Record<string, DatasetFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.npy': 'npy',
  '.npz': 'npz',
  '.json': 'json',
  '.h5': 'hdf5',
  '.hdf5': 'hdf5',
  '.parquet': 'parquet',
};

/** Read when named, but not offered as datasets: most .txt files are not data. */
const NOT_OFFERED = ['.txt'];

export const READ_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS);
/** The dataset extensions Flowmorph offers: the Explorer's menus, the file pickers, the CLI's usage. */
export const DATASET_EXTENSIONS: readonly string[] = READ_EXTENSIONS.filter((e) => !NOT_OFFERED.includes(e));

/** The format a path's extension names (case-insensitive), or undefined. */
export function formatOf(p: string): DatasetFormat | undefined {
  return EXTENSIONS[path.extname(p).toLowerCase()];
}

/** Whether the Explorer offers `file` as a dataset. */
export function isDatasetFile(file: string): boolean {
  return DATASET_EXTENSIONS.includes(path.extname(file).toLowerCase());
}
