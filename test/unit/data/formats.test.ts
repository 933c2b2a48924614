// The dataset extensions (src/data/formats.ts): one list in code, and package.json's Explorer `when` clauses
// list exactly those extensions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DATASET_EXTENSIONS, formatOf, isDatasetFile, READ_EXTENSIONS } from '../../../src/data/formats';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

test("every resourceExtname clause in package.json lists exactly DATASET_EXTENSIONS", () => {
  const pkg = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
  const whens: string[] = [];
  JSON.parse(pkg, (key, value) => {
    if (key === 'when' && typeof value === 'string' && value.includes('resourceExtname')) whens.push(value);
    return value;
  });
  assert.equal(whens.length, 6, 'the Explorer submenu and its five entries');
  for (const w of whens) {
    const m = /resourceExtname =~ \/\^\\\.\(([^)]*)\)\$\/i/.exec(w);
    assert.ok(m, `not a resourceExtname =~ /^\\.(a|b)$/i clause: ${w}`);
    assert.deepEqual(m[1].split('|').map((e) => `.${e}`), [...DATASET_EXTENSIONS], w);
  }
});

test('the offered extensions are read; .txt is read as CSV but not offered', () => {
  assert.deepEqual([...DATASET_EXTENSIONS], ['.csv', '.tsv', '.npy', '.npz', '.json', '.h5', '.hdf5', '.parquet']);
  for (const e of DATASET_EXTENSIONS) assert.ok(READ_EXTENSIONS.includes(e) && formatOf(`a${e.toUpperCase()}`) !== undefined, e);
  assert.equal(formatOf('notes.txt'), 'csv');
  assert.equal(isDatasetFile('notes.txt'), false);
  assert.equal(isDatasetFile('/x/run.PARQUET'), true);
  assert.equal(isDatasetFile('table.xlsx'), false);
});
