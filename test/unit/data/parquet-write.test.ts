import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { matrix } from '../../../src/data/matrix';
import { PARQUET_ROW_GROUP, writeParquet } from '../../../src/data/parquet-write';
import { readDataset } from '../../../src/data/read';
import { clearInputs, writeDataset } from '../../../src/data/write';
import { randomMatrix, rejectsWith, tempDir } from './helpers';

const dir = tempDir('parquet-write');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => clearInputs());

test('Parquet writer: names, values, NaN / ±Inf and several row groups read back exactly with our reader', async () => {
  const rows = PARQUET_ROW_GROUP * 2 + 17; // three row groups, the last a short one
  const m = randomMatrix(rows, 3, 11, ['m_jj', 'delta R', 'mass']);
  const p = path.join(dir, 'morphed.parquet');
  await writeDataset(p, m); // by extension, as the CLI's transport / generate --out x.parquet
  const bytes = fs.readFileSync(p);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PAR1');
  assert.equal(bytes.subarray(bytes.length - 4).toString('latin1'), 'PAR1');
  const ds = await readDataset(p);
  assert.equal(ds.format, 'parquet');
  assert.deepEqual(ds.features.columns, ['m_jj', 'delta R', 'mass']);
  assert.equal(ds.features.rows, rows);
  assert.equal(ds.features.cols, 3);
  assert.deepEqual(ds.features.data, m.data); // float32 in, float32 out: bit for bit
  // NaN and ±Inf are stored as values (not nulls): the reader sees exactly those three rows as non-finite.
  m.data[0] = NaN;
  m.data[4] = Infinity;
  m.data[3 * rows - 1] = -Infinity;
  const q = path.join(dir, 'nonfinite.parquet');
  await writeDataset(q, m);
  clearInputs();
  const kept = await readDataset(q, { dropNonFinite: true });
  assert.equal(kept.features.rows, rows - 3);
  assert.deepEqual(kept.features.data.subarray(0, 3), m.data.subarray(6, 9));
  // Condition columns chosen by name, as a run reads them.
  clearInputs();
  const c = await readDataset(p, { conditionColumns: ['mass'] });
  assert.deepEqual(c.features.columns, ['m_jj', 'delta R']);
  assert.deepEqual(c.condition?.columns, ['mass']);
});

test('Parquet writer: empty tables, no temporary file left, inputs protected, duplicate names refused', async () => {
  const empty = path.join(dir, 'empty.parquet');
  await writeParquet(empty, matrix(0, 2, new Float32Array(0), ['a', 'b']));
  assert.ok(fs.statSync(empty).size > 8);
  const before = fs.readdirSync(dir).sort();
  const p = path.join(dir, 'twice.parquet');
  const m = randomMatrix(50, 2, 3, ['a', 'b']);
  await writeParquet(p, m);
  await writeParquet(p, m);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...before, 'twice.parquet'].sort());
  const src = path.join(dir, 'input.parquet');
  await writeParquet(src, m);
  clearInputs();
  await readDataset(src);
  await rejectsWith(writeDataset(src, m), { code: 'protected-input', file: src, reason: /refusing to write over an input file/ });
  await assert.rejects(writeParquet(path.join(dir, 'dup.parquet'), matrix(1, 2, new Float32Array(2), ['x', 'x'])), /duplicate column names/);
});
