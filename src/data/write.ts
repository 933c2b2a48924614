/**
 * Writing matrices (morphed samples, exports) as CSV / TSV, .npy, JSON (write-plain.ts), HDF5 or Parquet
 * (parquet-write.ts), by extension. Every write is atomic
 * (atomic.ts) and refuses to replace a file being read as an input (paths.ts): Flowmorph never modifies
 * users' sample files.
 *
 * CSV values are the shortest decimals that read back as the same float32 (at most 9 significant
 * digits); NaN and ±Inf are written as nan / inf / -inf, which the reader understands.
 */
import * as path from 'node:path';
import { atomicWriteVia } from './atomic';
import { DataError } from './errors';
import { loadH5 } from './hdf5-lib';
import type { Matrix } from './matrix';
import { writeParquet } from './parquet-write';
import { check, writeCsv, writeJson, writeNpy, type WriteOptions } from './write-plain';

export { formatFloat32, npyBytesHeader, putFloat32, writeCsv, writeJson, writeNpy, type CsvWriteOptions, type WriteOptions } from './write-plain';

export { registerInput, unregisterInput, clearInputs } from './paths';

/** HDF5: one float32 dataset 'data' (rows × cols) with a 'columns' attribute holding the names. */
export async function writeHdf5(p: string, m: Matrix, opts: WriteOptions & { dataset?: string } = {}): Promise<void> {
  check(m);
  const h5 = await loadH5();
  await atomicWriteVia(p, (tmp) => {
    const f = new h5.File(tmp, 'w');
    try {
      const ds = f.create_dataset({ name: opts.dataset ?? 'data', data: m.data, shape: [m.rows, m.cols], dtype: '<f' });
      ds.create_attribute('columns', m.columns);
    } finally {
      f.close();
    }
  }, opts.protect);
}

/** Writes by extension: .csv .txt .tsv .npy .json .h5 .hdf5 .parquet. */
export async function writeDataset(p: string, m: Matrix, opts: WriteOptions = {}): Promise<void> {
  const ext = path.extname(p).toLowerCase();
  switch (ext) {
    case '.csv':
    case '.txt':
    case '.tsv':
      return writeCsv(p, m, opts);
    case '.npy':
      return writeNpy(p, m, opts);
    case '.json':
      return writeJson(p, m, opts);
    case '.h5':
    case '.hdf5':
      return writeHdf5(p, m, opts);
    case '.parquet':
      return writeParquet(p, m, opts);
    default:
      throw new DataError(p, 'unknown-format', `cannot be written: the extension ${ext || '(none)'} is not one of .csv, .txt, .tsv, .npy, .json, .h5, .hdf5, .parquet`);
  }
}
