import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readDataset } from '../../../src/data/read';
import { writeDataset } from '../../../src/data/write';
import { randomMatrix, rejectsWith, tempDir, write } from './helpers';

const dir = tempDir('json');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('array of rows, array of records, split orient and column dict give the same table', async () => {
  const want = [1, 2.5, -3, 4, 5e-3, 6];
  const shapes: Record<string, string> = {
    rows: '[[1, 2.5, -3], [4, 0.005, 6]]',
    records: '[{"a": 1, "b": 2.5, "c": -3}, {"c": 6, "a": 4, "b": 5e-3}]',
    split: '{"index": [0, 1], "data": [[1, 2.5, -3], [4, 0.005, 6]], "columns": ["a", "b", "c"]}',
    dict: '{"a": [1, 4], "b": [2.5, 0.005], "c": [-3, 6]}',
  };
  for (const [name, text] of Object.entries(shapes)) {
    const ds = await readDataset(write(dir, `${name}.json`, text));
    assert.equal(ds.format, 'json');
    assert.deepEqual(ds.features.columns, name === 'rows' ? ['x0', 'x1', 'x2'] : ['a', 'b', 'c'], name);
    assert.deepEqual(Array.from(ds.features.data), want.map(Math.fround), name);
  }
});

test('Python literals NaN / Infinity, null, booleans and numeric strings', async () => {
  const p = write(dir, 'py.json', '[[1, NaN], [2, -Infinity], [true, false], ["3.5", null], [4, 5]]');
  await rejectsWith(readDataset(p), { code: 'non-finite', file: p, row: 1, column: 'x1', reason: /^NaN or missing value: the first of 3 \(of 5\) rows/ });
  const ds = await readDataset(p, { dropNonFinite: true });
  assert.deepEqual(Array.from(ds.features.data), [1, 0, 4, 5]);
  assert.equal(ds.droppedRows, 3);
});

test('a single flat array is one column; column roles work on records and column dicts', async () => {
  const flat = await readDataset(write(dir, 'flat.json', '[3, 1, 2]'));
  assert.deepEqual(flat.features.columns, ['x0']);
  assert.deepEqual(Array.from(flat.features.data), [3, 1, 2]);
  const rec = await readDataset(write(dir, 'rec.json', '[{"m": 1, "x": 2, "y": 3}, {"m": 4, "x": 5, "y": 6}]'), { columns: ['y', 'x'], conditionColumns: ['m'] });
  assert.deepEqual(Array.from(rec.features.data), [3, 2, 6, 5]);
  assert.deepEqual(Array.from(rec.condition!.data), [1, 4]);
  const dict = await readDataset(write(dir, 'dict.json', '{"m": [1, 4], "x": [2, 5], "y": [3, 6]}'), { columns: [2], conditionColumns: ['m'] });
  assert.deepEqual(Array.from(dict.features.data), [3, 6]);
  assert.deepEqual(Array.from(dict.condition!.data), [1, 4]);
});

test('syntax errors give line, column and byte; the file is never half-read', async () => {
  const p = write(dir, 'syntax.json', '[\n  [1, 2],\n  [3 4]\n]');
  await rejectsWith(readDataset(p), { code: 'json-syntax', file: p, reason: /^JSON syntax error at line 3, column 6 \(byte 17\): expected ',' or '\]' after an array element, found '4\]'$/ });
});

test('writeDataset .json → readDataset round-trips (split orient; NaN written as null)', async () => {
  const m = randomMatrix(300, 3, 4, ['a', 'b', 'c']);
  const p = path.join(dir, 'out.json');
  await writeDataset(p, m);
  const parsed = JSON.parse(fs.readFileSync(p, 'utf8'));
  assert.deepEqual(parsed.columns, ['a', 'b', 'c']);
  assert.equal(parsed.data.length, 300);
  const ds = await readDataset(p);
  assert.deepEqual(Array.from(ds.features.data), Array.from(m.data));
  m.data[4] = NaN;
  const q = path.join(dir, 'out-nan.json');
  await writeDataset(q, m);
  assert.equal(JSON.parse(fs.readFileSync(q, 'utf8')).data[1][1], null);
});
