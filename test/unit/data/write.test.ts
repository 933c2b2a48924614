import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { matrix } from '../../../src/data/matrix';
import { readDataset } from '../../../src/data/read';
import { clearInputs, formatFloat32, registerInput, writeCsv, writeDataset, writeNpy } from '../../../src/data/write';
import { randomMatrix, rejectsWith, sha256, tempDir, write } from './helpers';

const dir = tempDir('write');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => clearInputs());

const listing = () => fs.readdirSync(dir).sort();

test('formatFloat32: shortest text that reads back as the same float32', () => {
  const cases: [number, string][] = [
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1 / 3, '0.33333334'],
    [1e-7, '0.0000001'],
    [123456.789, '123456.79'],
    [3, '3'],
    [-0, '0'],
    [3.4e38, '3.4e+38'],
    [1e-45, '1e-45'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  for (const [v, s] of cases) assert.equal(formatFloat32(Math.fround(v)), s, String(v));
  const m = randomMatrix(20000, 1, 5);
  for (const v of m.data) {
    const s = formatFloat32(v);
    assert.equal(Math.fround(parseFloat(s)), v, s);
    assert.ok(s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length <= 9, s);
  }
});

test('writers are atomic: no temporary file is left, and a replaced output is whole', async () => {
  const m = randomMatrix(100, 2, 3, ['a', 'b']);
  const before = listing();
  const outs = ['o.csv', 'o.tsv', 'o.txt', 'o.npy', 'o.json', 'o.h5', 'o.parquet'].map((n) => path.join(dir, n));
  for (const o of outs) await writeDataset(o, m);
  for (const o of outs) await writeDataset(o, m); // replace
  assert.deepEqual(listing(), [...before, ...outs.map((o) => path.basename(o))].sort());
  for (const o of outs) {
    clearInputs();
    const ds = await readDataset(o);
    assert.deepEqual(Array.from(ds.features.data), Array.from(m.data), o);
    if (!o.endsWith('.npy')) assert.deepEqual(ds.features.columns, ['a', 'b'], o);
  }
});

test('a failed write leaves the old file as it was and no temporary behind', async () => {
  const p = path.join(dir, 'keep.csv');
  writeCsv(p, matrix(1, 1, new Float32Array([7]), ['x']));
  const h = sha256(p);
  const before = listing();
  const bad = { rows: 2, cols: 1, data: new Float32Array(1), columns: ['x'] };
  assert.throws(() => writeCsv(p, bad), /matrix: 1 values for 2×1/);
  assert.equal(sha256(p), h);
  assert.deepEqual(listing(), before);
});

test('refuses to write over an input being read, by any path that reaches it', async () => {
  const src = write(dir, 'input.csv', 'a\n1\n2\n');
  const h = sha256(src);
  await readDataset(src); // registers it
  const m = matrix(1, 1, new Float32Array([1]), ['a']);
  await rejectsWith(writeDataset(src, m), { code: 'protected-input', file: src, reason: /^refusing to write over an input file/ });
  const rel = path.relative(process.cwd(), src);
  await rejectsWith(writeDataset(rel, m), { code: 'protected-input', file: rel, reason: /^refusing to write over an input file;/ });
  const link = path.join(dir, 'link.csv');
  fs.symlinkSync(src, link);
  await rejectsWith(writeDataset(link, m), { code: 'protected-input', file: link, reason: /^refusing to write over an input file \(.*input\.csv\)/ });
  const hard = path.join(dir, 'hard.csv');
  fs.linkSync(src, hard);
  await rejectsWith(writeDataset(hard, m), { code: 'protected-input', file: hard, reason: /refusing/ });
  assert.equal(sha256(src), h);
  // protect: for paths not read yet; registerInput for callers that read by other means.
  const other = path.join(dir, 'other.npy');
  assert.throws(() => writeNpy(other, m, { protect: [other] }), /refusing to write over an input file/);
  registerInput(path.join(dir, 'later.csv'));
  assert.throws(() => writeCsv(path.join(dir, 'later.csv'), m), /refusing/);
  fs.rmSync(link);
  fs.rmSync(hard);
});

test('an output Flowmorph wrote may be read (previewed) and then written again', async () => {
  const p = path.join(dir, 'morphed.csv');
  const m = matrix(2, 1, new Float32Array([1, 2]), ['x']);
  writeCsv(p, m);
  assert.equal((await readDataset(p)).features.rows, 2);
  m.data[0] = 5;
  writeCsv(p, m);
  assert.deepEqual(Array.from((await readDataset(p)).features.data), [5, 2]);
  // A user's file read the same way stays protected.
  const user = write(dir, 'user.csv', 'x\n1\n');
  await readDataset(user);
  assert.throws(() => writeCsv(user, m), /refusing to write over an input file/);
});

test('unknown output extensions are refused before anything is written', async () => {
  const before = listing();
  const p = path.join(dir, 'out.feather');
  await rejectsWith(writeDataset(p, matrix(1, 1)), { code: 'unknown-format', file: p, reason: /^cannot be written: the extension \.feather/ });
  assert.deepEqual(listing(), before);
});
