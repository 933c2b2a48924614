import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readDataset, inspectDataset } from '../../../src/data/read';
import { writeNpy } from '../../../src/data/write';
import { matrix } from '../../../src/data/matrix';
import { npyFile, zipFile } from './builders';
import { randomMatrix, REAL, realTable, rejectsWith, tempDir, write } from './helpers';

const dir = tempDir('npy');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('writeNpy → readDataset round-trips exactly; the header is numpy’s format 1.0, 64-byte aligned', async () => {
  const m = randomMatrix(3000, 4, 11);
  const p = path.join(dir, 'round.npy');
  writeNpy(p, m);
  const raw = fs.readFileSync(p);
  assert.equal(raw.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
  const hlen = raw.readUInt16LE(8);
  assert.equal((10 + hlen) % 64, 0);
  assert.equal(raw.toString('latin1', 10, 10 + hlen).trim(), "{'descr': '<f4', 'fortran_order': False, 'shape': (3000, 4), }");
  assert.equal(raw.length, 10 + hlen + 3000 * 4 * 4);
  const ds = await readDataset(p);
  assert.equal(ds.format, 'npy');
  assert.deepEqual(ds.features.columns, ['x0', 'x1', 'x2', 'x3']);
  assert.deepEqual(Array.from(ds.features.data), Array.from(m.data));
});

test('numpy-written arrays: every numeric dtype, both byte orders, Fortran order, headers v1–v3', async () => {
  const t43 = realTable(4, 3);
  for (const f of ['f4_c.npy', 'f8_fortran.npy', 'f8_big.npy', 'f2.npy', 'f4_v2.npy', 'f8_v3.npy']) {
    const ds = await readDataset(path.join(REAL, f));
    assert.deepEqual([ds.features.rows, ds.features.cols], [4, 3], f);
    assert.deepEqual(Array.from(ds.features.data), t43, f);
  }
  const ints = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
  assert.deepEqual(Array.from((await readDataset(path.join(REAL, 'i8.npy'))).features.data), ints.map((v) => v - 20));
  assert.deepEqual(Array.from((await readDataset(path.join(REAL, 'u2_big.npy'))).features.data), ints);
  const b = await readDataset(path.join(REAL, 'bool_1d.npy'));
  assert.deepEqual([b.features.rows, b.features.cols], [4, 1]);
  assert.deepEqual(Array.from(b.features.data), [1, 0, 1, 1]);
  assert.deepEqual(Array.from((await readDataset(path.join(REAL, 'i1_1d.npy'))).features.data), [-128, -1, 0, 127]);
});

test('Fortran order with column selection picks the right columns', async () => {
  const ds = await readDataset(path.join(REAL, 'f8_fortran.npy'), { columns: [2, 0], conditionColumns: [1] });
  assert.deepEqual(Array.from(ds.features.data), [2.25, 0.25, 12.25, 10.25, 22.25, 20.25, 32.25, 30.25]);
  assert.deepEqual(Array.from(ds.condition!.data), [1.25, 11.25, 21.25, 31.25]);
});

test('large values in int64 / uint64 are exact up to 2^53 before float32 rounding', async () => {
  const vals = [-(2 ** 53), -1, 0, 2 ** 40 + 3, 2 ** 53];
  const i8 = Buffer.alloc(8 * vals.length);
  vals.forEach((v, i) => i8.writeBigInt64LE(BigInt(v), 8 * i));
  const p = write(dir, 'i8big.npy', npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", i8));
  assert.deepEqual(Array.from((await readDataset(p)).features.data), vals.map(Math.fround));
  const u8 = Buffer.alloc(16);
  u8.writeBigUInt64BE(2n ** 63n, 0);
  u8.writeBigUInt64BE(7n, 8);
  const q = write(dir, 'u8be.npy', npyFile("{'descr': '>u8', 'fortran_order': False, 'shape': (2, 1), }", u8, 3));
  assert.deepEqual(Array.from((await readDataset(q)).features.data), [2 ** 63, 7]);
});

test('npz: stored 2-D array by default (with a warning), any array by name, 1-D arrays as columns', async () => {
  const warnings: string[] = [];
  const a = await readDataset(path.join(REAL, 'stored.npz'), { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(Array.from(a.features.data), realTable(5, 2));
  assert.deepEqual(warnings, ["read array 'x' of x, w; pass dataset to choose another"]);
  const w = await readDataset(path.join(REAL, 'stored.npz'), { dataset: 'w.npy' });
  assert.deepEqual(w.features.columns, ['w']);
  assert.deepEqual(Array.from(w.features.data), [0, 1, 2, 3, 4]);
  const c = await readDataset(path.join(REAL, 'columns.npz'), { columns: ['eta', 'n'], conditionColumns: ['pt'] });
  assert.deepEqual(c.features.columns, ['eta', 'n']);
  assert.deepEqual(Array.from(c.features.data), [-2.5, 0, -1.5, 1, -0.5, 2, 0.5, 3, 1.5, 4, 2.5, 5]);
  assert.deepEqual(Array.from(c.condition!.data), [0, 1.5, 3, 4.5, 6, 7.5]);
  const info = await inspectDataset(path.join(REAL, 'columns.npz'));
  assert.deepEqual(info.datasets, ['pt', 'eta', 'n']);
  assert.equal(info.rows, 6);
});

test('npz written here: deflated and stored members, non-numeric members skipped by default', async () => {
  const x = new Float32Array([1, 2, 3]);
  const y = new Float64Array([4, 5, 6]);
  const members = [
    { name: 'x.npy', data: npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(x.buffer)), deflate: true },
    { name: 'label.npy', data: npyFile("{'descr': '<U1', 'fortran_order': False, 'shape': (3,), }", Buffer.alloc(12)) },
    { name: 'y.npy', data: npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(y.buffer)), deflate: true },
  ];
  const p = write(dir, 'mine.npz', zipFile(members));
  const ds = await readDataset(p);
  assert.deepEqual(ds.features.columns, ['x', 'y']);
  assert.deepEqual(Array.from(ds.features.data), [1, 4, 2, 5, 3, 6]);
  assert.match(ds.warnings.join('\n'), /skipped non-numeric columns: label \(strings \(dtype '<U1'\)\)/);
  await rejectsWith(readDataset(p, { columns: ['label'] }), { code: 'not-numeric', file: p, column: 'label', reason: /^column is not numeric/ });
});

test('a 2-D float32 array as a matrix from a buffer that is not 4-byte aligned in the archive', async () => {
  const m = matrix(2, 2, new Float32Array([1.5, -2, 3, 4e-3]));
  const payload = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(m.data.buffer));
  // A 3-byte name puts the stored member's data at an odd offset in the file.
  const p = write(dir, 'odd.npz', zipFile([{ name: 'abc.npy', data: payload }]));
  const ds = await readDataset(p);
  assert.deepEqual(Array.from(ds.features.data), Array.from(m.data));
});
