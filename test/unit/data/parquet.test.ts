import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import { readDataset, inspectDataset } from '../../../src/data/read';
import { rejectsWith, tempDir, write } from './helpers';

const dir = tempDir('parquet');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Column = { name: string; data: unknown; type?: string; nullable?: boolean; codec?: string };
type Writer = { parquetWriteBuffer(o: { columnData: Column[]; rowGroupSize?: number; codec?: string; compressors?: Record<string, (b: Uint8Array) => Uint8Array> }): ArrayBuffer };

/** Parquet files for the tests come from hyparquet-writer (a pinned devDependency). */
async function parquet(name: string, columnData: Column[], extra: Omit<Parameters<Writer['parquetWriteBuffer']>[0], 'columnData'> = {}): Promise<string> {
  const spec = 'hyparquet-writer';
  const hw = (await import(spec)) as Writer;
  return write(dir, name, new Uint8Array(hw.parquetWriteBuffer({ columnData, ...extra })));
}

test('numeric column types across several row groups round-trip; strings are skipped by default', async () => {
  const n = 2500;
  const d = Float64Array.from({ length: n }, (_, i) => i * 0.5 - 7);
  const f = Float32Array.from({ length: n }, (_, i) => -i / 8);
  const i32 = Array.from({ length: n }, (_, i) => i - 1000);
  const i64 = Array.from({ length: n }, (_, i) => BigInt(i) * 1000000n);
  const b = Array.from({ length: n }, (_, i) => i % 3 === 0);
  const s = Array.from({ length: n }, (_, i) => `id${i}`);
  const p = await parquet('types.parquet', [
    { name: 'd', data: d, type: 'DOUBLE' },
    { name: 'label', data: s, type: 'STRING' },
    { name: 'f', data: f, type: 'FLOAT' },
    { name: 'i', data: i32, type: 'INT32' },
    { name: 'l', data: i64, type: 'INT64' },
    { name: 'b', data: b, type: 'BOOLEAN' },
  ], { rowGroupSize: 1000 });
  const warnings: string[] = [];
  const ds = await readDataset(p, { onWarning: (w) => warnings.push(w) });
  assert.equal(ds.format, 'parquet');
  assert.deepEqual(ds.features.columns, ['d', 'f', 'i', 'l', 'b']);
  assert.equal(ds.features.rows, n);
  for (const r of [0, 999, 1000, 2499]) {
    assert.deepEqual(Array.from(ds.features.data.subarray(r * 5, r * 5 + 5)), [r * 0.5 - 7, -r / 8, r - 1000, Math.fround(r * 1e6), r % 3 === 0 ? 1 : 0], `row ${r}`);
  }
  assert.deepEqual(warnings, ['skipped non-numeric columns: label (strings)']);
  await rejectsWith(readDataset(p, { columns: ['d', 'label'] }), { code: 'not-numeric', file: p, column: 'label', reason: /^column is not numeric \(strings\)$/ });
  const info = await inspectDataset(p);
  assert.equal(info.rows, n);
  assert.deepEqual(info.columns, ['d', 'f', 'i', 'l', 'b']);
  assert.equal(info.preview.length, 20);
  assert.deepEqual(info.preview[3], [-5.5, -0.375, -997, 3e6, 1]);
});

test('nulls are missing values: refused with the first row, or dropped', async () => {
  const p = await parquet('nulls.parquet', [
    { name: 'x', data: [1, 2, null, 4, null], type: 'DOUBLE' },
    { name: 'c', data: [10, 20, 30, 40, 50], type: 'INT32' },
  ]);
  await rejectsWith(readDataset(p), { code: 'non-finite', file: p, row: 3, column: 'x', reason: /^NaN or missing value: the first of 2 \(of 5\) rows/ });
  const ds = await readDataset(p, { dropNonFinite: true, conditionColumns: ['c'] });
  assert.deepEqual(Array.from(ds.features.data), [1, 2, 4]);
  assert.deepEqual(Array.from(ds.condition!.data), [10, 20, 40]);
  assert.equal(ds.droppedRows, 2);
});

test('gzip-compressed pages are inflated with node’s zlib; uncompressed ones read too', async () => {
  const data = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i));
  const gz = await parquet('gzip.parquet', [{ name: 's', data, type: 'DOUBLE' }], { codec: 'GZIP', compressors: { GZIP: (b) => new Uint8Array(zlib.gzipSync(b)) } });
  assert.deepEqual(Array.from((await readDataset(gz)).features.data), Array.from(Float32Array.from(data)));
  const raw = await parquet('raw.parquet', [{ name: 's', data, type: 'DOUBLE' }], { codec: 'UNCOMPRESSED' });
  assert.deepEqual(Array.from((await readDataset(raw)).features.data), Array.from(Float32Array.from(data)));
});
