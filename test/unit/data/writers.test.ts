/**
 * Files written by the tools users have (test/fixtures/writers/make.py: pyarrow, pandas, polars, h5py;
 * make-h5wasm.mjs: Blosc / bitshuffle / bzip2 with h5wasm's plugins): every Parquet codec and every HDF5
 * filter Flowmorph ships reads back the table v[r, c] = 10 r + c + 0.25; a filter it does not ship is
 * named in the error.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readDataset } from '../../../src/data/read';
import { ROOT, realTable, rejectsWith } from './helpers';

const W = path.join(ROOT, 'test', 'fixtures', 'writers');
const ROWS = 200;

async function check(file: string, opts: { dataset?: string } = {}): Promise<void> {
  const ds = await readDataset(path.join(W, file), opts);
  assert.equal(ds.features.rows, ROWS, file);
  assert.equal(ds.features.cols, 3, file);
  assert.deepEqual(Array.from(ds.features.data), realTable(ROWS, 3), file);
}

for (const codec of ['zstd', 'lz4', 'snappy', 'brotli', 'gzip', 'none']) {
  test(`Parquet written by pyarrow with ${codec} reads`, () => check(`pyarrow_${codec}.parquet`));
}

test('Parquet with the defaults of pandas (snappy) and polars (zstd), and polars lz4, reads', async () => {
  await check('pandas_default.parquet');
  await check('polars_default.parquet');
  await check('polars_lz4.parquet');
});

for (const f of ['h5py_lzf', 'h5py_gzip_shuffle', 'h5wasm_blosc', 'h5wasm_bshuf', 'h5wasm_bz2']) {
  test(`HDF5 ${f.replace('_', ' ')} reads`, () => check(`${f}.h5`));
}

test('HDF5 with a filter Flowmorph does not ship: the error names the filter, not HDF5 plugin folders', async () => {
  const file = path.join(W, 'h5wasm_jpeg.h5');
  const e = await rejectsWith(readDataset(file), { code: 'hdf5-read', file, array: '/x', reason: /HDF5 filter '[^']*jpeg[^';]*',.*cannot decompress.*LZF, Blosc, bitshuffle/ });
  assert.doesNotMatch(e.message, /plugin|__w/);
});
