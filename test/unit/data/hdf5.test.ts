import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadH5 } from '../../../src/data/hdf5-read';
import { inspectDataset, readDataset } from '../../../src/data/read';
import { writeDataset } from '../../../src/data/write';
import { randomMatrix, REAL, realTable, rejectsWith, tempDir } from './helpers';

const dir = tempDir('h5');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('pandas "fixed" frame written by pandas: every numeric block, columns in frame order', async () => {
  const p = path.join(REAL, 'pandas_fixed.h5');
  const ds = await readDataset(p);
  assert.equal(ds.format, 'hdf5');
  assert.deepEqual(ds.features.columns, ['px', 'py', 'n', 'flag', 'e']);
  const want: number[] = [];
  const flag = [1, 0, 1, 1, 0, 0];
  for (let r = 0; r < 6; r++) want.push(10 * r + 0.25, 10 * r + 1.25, r, flag[r], 10 * r + 2.25);
  assert.deepEqual(Array.from(ds.features.data), want);
  const sel = await readDataset(p, { columns: ['e', 'px'], conditionColumns: ['n'] });
  assert.deepEqual(Array.from(sel.features.data), [2.25, 0.25, 12.25, 10.25, 22.25, 20.25, 32.25, 30.25, 42.25, 40.25, 52.25, 50.25]);
  assert.deepEqual(Array.from(sel.condition!.data), [0, 1, 2, 3, 4, 5]);
});

test('pandas frame with integer column labels (the LHC Olympics layout), chosen by label or index', async () => {
  const p = path.join(REAL, 'pandas_intcols.h5');
  const all = await readDataset(p);
  assert.deepEqual(all.features.columns, ['0', '1', '2', '3']);
  assert.deepEqual(Array.from(all.features.data), realTable(5, 4));
  const two = await readDataset(p, { columns: ['3', 1], dataset: '/df' });
  assert.deepEqual(Array.from(two.features.data), [3.25, 1.25, 13.25, 11.25, 23.25, 21.25, 33.25, 31.25, 43.25, 41.25]);
});

test('h5py file: default table with a warning, named 2-D (chunked, gzip) with column names, column group', async () => {
  const p = path.join(REAL, 'h5py_mixed.h5');
  const warnings: string[] = [];
  const d = await readDataset(p, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(Array.from(d.features.data), realTable(3, 2));
  assert.deepEqual(warnings, ["read '/big_endian' of /big_endian, /events/features, /cols; pass dataset to choose another"]);
  const f = await readDataset(p, { dataset: 'events/features' });
  assert.deepEqual(f.features.columns, ['m', 'pt', 'eta']);
  assert.deepEqual(Array.from(f.features.data), realTable(5, 3));
  const g = await readDataset(p, { dataset: '/cols' });
  assert.deepEqual(g.features.columns, ['a', 'b']);
  assert.deepEqual(Array.from(g.features.data), [0, 0, 1, 2, 2, 4, 3, 6, 4, 8]);
  const one = await readDataset(p, { dataset: 'cols/b' });
  assert.deepEqual(one.features.columns, ['b']);
  assert.deepEqual(Array.from(one.features.data), [0, 2, 4, 6, 8]);
  const info = await inspectDataset(p);
  assert.deepEqual(info.datasets, ['/big_endian', '/events/features', '/cols']);
  assert.equal(info.dataset, '/big_endian');
});

test('writeDataset .h5 → readDataset round-trips values and names (several read blocks)', async () => {
  const m = randomMatrix(100_000, 3, 9, ['u', 'v', 'w']);
  const p = path.join(dir, 'round.h5');
  await writeDataset(p, m);
  const ds = await readDataset(p);
  assert.deepEqual(ds.features.columns, ['u', 'v', 'w']);
  assert.equal(ds.features.rows, 100_000);
  assert.ok(ds.features.data.every((v, i) => v === m.data[i]));
  const sub = await readDataset(p, { columns: ['w'], maxRows: 10 });
  assert.equal(sub.features.rows, 10);
});

test('h5wasm-built pandas frame: several blocks, an object block skipped, int64 and uint8 blocks', async () => {
  const h5 = await loadH5();
  const p = path.join(dir, 'frame.h5');
  const f = new h5.File(p, 'w');
  const g = f.create_group('df');
  g.create_attribute('pandas_type', 'frame');
  g.create_dataset({ name: 'axis0', data: ['a', 'name', 'b', 'c', 'k'], dtype: 'S4' });
  g.create_dataset({ name: 'axis1', data: new BigInt64Array([0n, 1n, 2n]) });
  g.create_dataset({ name: 'block0_items', data: ['c', 'a'], dtype: 'S4' });
  g.create_dataset({ name: 'block0_values', data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] });
  g.create_dataset({ name: 'block1_items', data: ['name'], dtype: 'S4' });
  g.create_dataset({ name: 'block1_values', data: ['x', 'y', 'z'] });
  g.create_dataset({ name: 'block2_items', data: ['b'], dtype: 'S4' });
  g.create_dataset({ name: 'block2_values', data: new BigInt64Array([-7n, 8n, 2n ** 40n]), shape: [3, 1] });
  g.create_dataset({ name: 'block3_items', data: ['k'], dtype: 'S4' });
  g.create_dataset({ name: 'block3_values', data: new Uint8Array([1, 0, 255]), shape: [3, 1] });
  f.close();
  const ds = await readDataset(p);
  assert.deepEqual(ds.features.columns, ['a', 'b', 'c', 'k']);
  assert.deepEqual(Array.from(ds.features.data), [2, -7, 1, 1, 4, 8, 3, 0, 6, 2 ** 40, 5, 255]);
  assert.match(ds.warnings.join('\n'), /skipped non-numeric columns: name \(strings\)/);
  await rejectsWith(readDataset(p, { columns: ['a', 'name'] }), { code: 'not-numeric', file: p, array: '/df', column: 'name', reason: /^column is not numeric \(strings\)$/ });
});

test('wide dataset: far-apart columns are sliced one by one and land in the order asked', async () => {
  const h5 = await loadH5();
  const p = path.join(dir, 'wide.h5');
  const rows = 7;
  const cols = 300;
  const data = new Float32Array(rows * cols).map((_, i) => Math.floor(i / cols) * 1000 + (i % cols));
  const f = new h5.File(p, 'w');
  f.create_dataset({ name: 'x', data, shape: [rows, cols], dtype: '<f' });
  f.close();
  const ds = await readDataset(p, { columns: [299, 0, 150] });
  const want: number[] = [];
  for (let r = 0; r < rows; r++) want.push(r * 1000 + 299, r * 1000, r * 1000 + 150);
  assert.deepEqual(Array.from(ds.features.data), want);
});
