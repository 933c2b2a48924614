import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../../src/data/errors';
import { matrix } from '../../../src/data/matrix';
import { parseCellText, scanEnd, scanNumber } from '../../../src/data/number-parse';
import { checkCompatible, formatOf, inspectDataset, readDataset, type Dataset } from '../../../src/data/read';
import { RowSink } from '../../../src/data/sink';
import { Rng } from '../../../src/core/random';
import { rejectsWith, tempDir, write } from './helpers';

const dir = tempDir('read');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('formatOf by extension, case-insensitive', () => {
  const cases: [string, string | undefined][] = [
    ['a.csv', 'csv'],
    ['a.TXT', 'csv'],
    ['a.tsv', 'tsv'],
    ['/x/y.npy', 'npy'],
    ['y.npz', 'npz'],
    ['y.json', 'json'],
    ['y.h5', 'hdf5'],
    ['y.HDF5', 'hdf5'],
    ['y.parquet', 'parquet'],
    ['y.xlsx', undefined],
    ['csv', undefined],
  ];
  for (const [p, f] of cases) assert.equal(formatOf(p), f, p);
});

test('DataError message layout: file, then array / row / column when they apply', () => {
  assert.equal(new DataError('f.csv', 'x', 'bad').message, 'f.csv: bad');
  assert.equal(new DataError('f.csv', 'x', 'bad', { row: 3, column: 'pt' }).message, "f.csv: row 3, column 'pt': bad");
  assert.equal(new DataError('f.h5', 'x', 'bad', { array: '/df', column: 2 }).message, "f.h5: array '/df', column 2: bad");
});

test('workspaceRoot: inside is read; outside, or escaping through a symlink, is refused', async () => {
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const inside = write(ws, 'in.csv', 'a\n1\n');
  const outside = write(dir, 'out.csv', 'a\n1\n');
  assert.equal((await readDataset(inside, { workspaceRoot: ws })).features.rows, 1);
  await rejectsWith(readDataset(outside, { workspaceRoot: ws }), { code: 'outside-workspace', file: outside, reason: /^is outside the workspace / });
  const link = path.join(ws, 'sneaky.csv');
  fs.symlinkSync(outside, link);
  await rejectsWith(readDataset(link, { workspaceRoot: ws }), { code: 'outside-workspace', file: link, reason: /it resolves to .*out\.csv/ });
});

function ds(file: string, f: string[], c?: string[]): Dataset {
  const d: Dataset = { file, format: 'csv', features: matrix(1, f.length, undefined, f), droppedRows: 0, totalRows: 1, warnings: [] };
  if (c) d.condition = matrix(1, c.length, undefined, c);
  return d;
}

test('checkCompatible: same feature count and condition on both sides or neither', () => {
  checkCompatible(ds('s.csv', ['a', 'b']), ds('t.npy', ['x0', 'x1']));
  checkCompatible(ds('s.csv', ['a'], ['m']), ds('t.npy', ['x'], ['m']));
  assert.throws(() => checkCompatible(ds('s.csv', ['a', 'b', 'c']), ds('t.npy', ['x', 'y'])), (e: DataError) => e.code === 'incompatible' && e.message === 's.csv: has 3 feature columns (a, b, c) but the target t.npy has 2 (x, y); a flow maps between spaces of the same dimension');
  assert.throws(() => checkCompatible(ds('s.csv', ['a']), ds('t.npy', ['x'], ['m'])), (e: DataError) => e.message === 's.csv: condition columns are given for t.npy but not for s.csv; give them for both or neither');
  assert.throws(() => checkCompatible(ds('s.csv', ['a'], ['m', 'n']), ds('t.npy', ['x'], ['m'])), /has 2 condition columns \(m, n\) but the target t\.npy has 1 \(m\)/);
});

test('inspectDataset: first 20 rows as read (NaN kept), columns, no row count for text', async () => {
  const lines = ['a,b'];
  for (let r = 0; r < 50; r++) lines.push(r === 2 ? 'nan,1' : `${r},${-r}`);
  const info = await inspectDataset(write(dir, 'prev.csv', lines.join('\n')));
  assert.equal(info.format, 'csv');
  assert.deepEqual(info.columns, ['a', 'b']);
  assert.equal(info.rows, undefined);
  assert.equal(info.preview.length, 20);
  assert.deepEqual(info.preview[1], [1, -1]);
  assert.ok(Number.isNaN(info.preview[2][0]));
  assert.deepEqual(info.preview[19], [19, -19]);
});

test('scanNumber / parseCellText agree with parseFloat on random spellings', () => {
  const rng = new Rng(12);
  for (let i = 0; i < 20000; i++) {
    const v = rng.normal() * 10 ** (rng.int(80) - 40);
    const texts = [v.toPrecision(1 + rng.int(20)), v.toExponential(rng.int(20)), String(v), v.toFixed(rng.int(12))];
    for (const t of texts) {
      const b = Buffer.from(`${t},`);
      const got = scanNumber(b, 0, b.length, false);
      assert.equal(scanEnd, t.length, t);
      assert.equal(Math.fround(got), Math.fround(parseFloat(t)), t);
    }
  }
  for (const bad of ['', '-', '.', 'e5', '1e', '1e+', 'abc']) {
    const b = Buffer.from(bad);
    assert.ok(Number.isNaN(scanNumber(b, 0, b.length, false)) && scanEnd === 0, bad);
  }
  assert.ok(Number.isNaN(parseCellText(' NA ', false)!));
  assert.equal(parseCellText('-inf', false), -Infinity);
  assert.equal(parseCellText('1,5', true), 1.5);
  assert.equal(parseCellText('1,5', false), undefined);
  assert.equal(parseCellText('0x10', false), undefined);
});

test('RowSink: reservoir subsample is uniform (each row kept with probability k/n)', () => {
  const n = 2000;
  const k = 200;
  const hits = new Float64Array(n);
  for (let seed = 0; seed < 200; seed++) {
    const s = new RowSink({ file: 'f', featureNames: ['i'], conditionNames: [], maxRows: k, seed });
    const block = Float64Array.from({ length: n }, (_, i) => i);
    s.pushBlock(block, n, 1);
    const r = s.finish();
    assert.equal(r.features.rows, k);
    for (const v of r.features.data) hits[v]++;
  }
  // Expected 200 · 0.1 = 20 hits per row; per decile of rows 4000 ± ~60.
  for (let d = 0; d < 10; d++) {
    let sum = 0;
    for (let i = d * 200; i < (d + 1) * 200; i++) sum += hits[i];
    assert.ok(Math.abs(sum - 4000) < 300, `decile ${d}: ${sum}`);
  }
});

test('RowSink: exact-size buffers, features and conditions apart, drops counted', () => {
  const s = new RowSink({ file: 'f', featureNames: ['a', 'b'], conditionNames: ['c'], dropNonFinite: true, sizeHint: 1 });
  const block = new Float64Array([1, 2, 3, NaN, 5, 6, 7, 8, 9, 1e39, 0, 0, 10, 11, 12]);
  s.pushBlock(block, 5, 1);
  const r = s.finish();
  assert.deepEqual(Array.from(r.features.data), [1, 2, 7, 8, 10, 11]);
  assert.deepEqual(Array.from(r.condition!.data), [3, 9, 12]);
  assert.equal(r.features.data.buffer.byteLength, 6 * 4);
  assert.equal(r.droppedRows, 2);
  assert.equal(r.totalRows, 5);
  assert.match(r.warnings[0], /dropped 2 of 5 rows .*first: row 2, column 'a': NaN/);
  const t = new RowSink({ file: 'g', featureNames: ['a'], conditionNames: [] });
  t.pushBlock(new Float64Array([1, 1e39]), 2, 1);
  assert.throws(() => t.finish(), (e: DataError) => e.message === "g: row 2, column 'a': 1e+39 is beyond the float32 range (±3.4e38): the only one of 2 rows with NaN, ±Inf or missing values; fix the file or give --drop-non-finite to drop such rows");
});

test('RowSink keepNonFinite (Preview Dataset): rows with NaN / ±Inf kept as they are, counted in one warning', () => {
  const s = new RowSink({ file: 'f', featureNames: ['a', 'b'], conditionNames: ['c'], keepNonFinite: true, sizeHint: 1 });
  s.pushBlock(new Float64Array([1, 2, 3, NaN, 5, 6, 7, 8, 9, 1e39, 0, 0, 10, 11, 12]), 5, 1);
  const r = s.finish();
  assert.deepEqual(Array.from(r.features.data), [1, 2, NaN, 5, 7, 8, Infinity, 0, 10, 11]);
  assert.deepEqual(Array.from(r.condition!.data), [3, 6, 9, 0, 12]);
  assert.equal(r.droppedRows, 0);
  assert.equal(r.totalRows, 5);
  assert.deepEqual(r.warnings, ["2 of 5 rows hold NaN, ±Inf or missing values (first: row 2, column 'a': NaN or missing value); training refuses the file unless such rows are dropped (dropNonFinite)"]);
});

test('readDataset keepNonFinite reads a CSV training refuses, NaN and empty cells kept', async () => {
  const p = write(dir, 'holes.csv', 'x,y\n1,2\nnan,3\n4,\n5,6\n');
  await assert.rejects(readDataset(p), (e: DataError) => e.code === 'non-finite');
  const d = await readDataset(p, { keepNonFinite: true });
  assert.deepEqual(Array.from(d.features.data), [1, 2, NaN, 3, 4, NaN, 5, 6]);
  // Rows are named by their line in the file (the header is line 1).
  assert.deepEqual(d.warnings, ["2 of 4 rows hold NaN, ±Inf or missing values (first: row 3, column 'x': NaN or missing value); training refuses the file unless such rows are dropped (dropNonFinite)"]);
});
