/**
 * The malformed-file corpus: every case must fail with a DataError that names the file (and the array,
 * row and column where they apply) and says what is wrong — no crash, no other exception type — and the
 * input must be byte-identical afterwards, with nothing written beside it. Damaged files are generated
 * here from valid ones; the numpy / pandas-written ones come from test/fixtures/real.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadH5 } from '../../../src/data/hdf5-read';
import { readDataset, type ReadOptions } from '../../../src/data/read';
import { clearInputs, writeDataset, writeNpy } from '../../../src/data/write';
import { matrix } from '../../../src/data/matrix';
import { npyFile, zipFile } from './builders';
import { REAL, rejectsWith, sha256, tempDir, type Expected } from './helpers';

const dir = tempDir('bad');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Creates the file (in dir) or names a committed fixture; returns its path. */
  make: () => Promise<string> | string;
  opts?: ReadOptions;
  want: Omit<Expected, 'file'> & { file?: string };
}

const put = (name: string, content: string | Uint8Array) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const header = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

async function parquet(name: string, columnData: unknown[]): Promise<string> {
  const spec = 'hyparquet-writer';
  const hw = (await import(spec)) as { parquetWriteBuffer(o: { columnData: unknown[] }): ArrayBuffer };
  return put(name, new Uint8Array(hw.parquetWriteBuffer({ columnData })));
}

async function h5(name: string, build: (f: InstanceType<Awaited<ReturnType<typeof loadH5>>['File']>) => void): Promise<string> {
  const lib = await loadH5();
  const p = path.join(dir, name);
  const f = new lib.File(p, 'w');
  build(f);
  f.close();
  return p;
}

const cases: Case[] = [
  // ---- text
  { name: 'empty CSV', make: () => put('empty.csv', ''), want: { code: 'empty', reason: /^is empty$/ } },
  { name: 'header only', make: () => put('header.csv', 'a,b,c\n'), want: { code: 'header-only', reason: /^has a header \(line 1\) but no data rows$/ } },
  { name: 'comments only', make: () => put('comments.csv', '# a\n\n# b\n'), want: { code: 'empty', reason: /only blank or comment lines/ } },
  { name: 'short row', make: () => put('short.csv', 'a,b,c\n1,2,3\n4,5\n'), want: { code: 'ragged', row: 3, reason: /^has 2 fields but the header \(line 1\) has 3$/ } },
  { name: 'long row without header', make: () => put('long.csv', '1,2\n3,4,5\n'), want: { code: 'ragged', row: 2, reason: /^has 3 fields but line 1 has 2$/ } },
  { name: 'text in a number column', make: () => put('text.csv', 'a,b\n1,2\n3,abc\n'), want: { code: 'not-numeric', row: 3, column: 'b', reason: /^'abc' is not a number$/ } },
  { name: 'header repeated mid-file', make: () => put('concat.csv', 'a,b\n1,2\na,b\n3,4\n'), want: { code: 'not-numeric', row: 3, column: 'a', reason: /^'a' is not a number \(the header line repeated\?\)$/ } },
  { name: 'NaN and Inf cells', make: () => put('nan.csv', 'a,b\n1,2\nnan,3\n4,inf\n'), want: { code: 'non-finite', row: 3, column: 'a', reason: /^NaN or missing value: the first of 2 \(of 3\) rows with NaN, ±Inf or missing values; .*--drop-non-finite/ } },
  { name: 'empty cell', make: () => put('hole.csv', 'a,b\n1,\n'), want: { code: 'non-finite', row: 2, column: 'b', reason: /^NaN or missing value: the only one of 1 rows/ } },
  { name: 'beyond float32', make: () => put('huge.csv', 'x\n1\n-1e39\n'), want: { code: 'non-finite', row: 3, column: 'x', reason: /^-1e\+39 is beyond the float32 range/ } },
  { name: 'unclosed quote', make: () => put('quote.csv', '"a,b\n1,2\n'), want: { code: 'csv-quote', row: 1, reason: /^a quoted field is not closed on this line$/ } },
  { name: 'npy renamed .csv', make: () => put('binary.csv', npyFile(header('<f4', '(1,)'), f32(1))), want: { code: 'binary', reason: /^is a NumPy \.npy file, not delimited text/ } },
  { name: 'UTF-16 text', make: () => put('utf16.csv', Buffer.from('\ufeffa,b\n1,2\n', 'utf16le')), want: { code: 'encoding', reason: /^is UTF-16 text; save it as UTF-8/ } },
  { name: 'CR-only line endings', make: () => put('mac.csv', 'a,b\r1,2\r3,4\r'), want: { code: 'line-endings', reason: /CR-only/ } },
  { name: 'missing column name', make: () => put('cols.csv', 'pt,eta\n1,2\n'), opts: { columns: ['PT'] }, want: { code: 'column-missing', column: 'PT', reason: /^no such column \(did you mean 'pt'\?\); columns are: pt, eta$/ } },
  { name: 'column index out of range', make: () => put('idx.csv', 'a,b\n1,2\n'), opts: { columns: [0, 5] }, want: { code: 'column-range', column: 5, reason: /^column index 5 is out of range: there are 2 columns \(0–1: a, b\)$/ } },
  { name: 'column in both roles', make: () => put('role.csv', 'a,b\n1,2\n'), opts: { columns: ['a'], conditionColumns: ['a'] }, want: { code: 'column-role', column: 'a', reason: /^column chosen both as a feature and as a condition$/ } },
  { name: 'over the memory budget', make: () => put('budget.csv', 'a\n1\n2\n3\n4\n5\n'), opts: { maxBytes: 12 }, want: { code: 'too-large', reason: /more than 3 rows × 1 columns .* memory budget .* give --max-rows N/ } },
  // ---- .npy
  { name: 'object array', make: () => path.join(REAL, 'object.npy'), want: { code: 'npy-object', reason: /^holds Python objects \(dtype '\|O'\), which are pickles and are never loaded/ } },
  { name: 'string array', make: () => path.join(REAL, 'strings.npy'), want: { code: 'npy-dtype', reason: /^holds strings \(dtype '<U2'\), not numbers$/ } },
  { name: 'complex array', make: () => path.join(REAL, 'complex.npy'), want: { code: 'npy-dtype', reason: /^holds complex numbers \(dtype '<c8'\)/ } },
  { name: 'structured array', make: () => path.join(REAL, 'structured.npy'), want: { code: 'npy-dtype', reason: /^holds a structured \(record\) dtype/ } },
  { name: '3-D array', make: () => path.join(REAL, 'cube.npy'), want: { code: 'npy-shape', reason: /^is 3-D \(2 × 3 × 4\); .*reshape/ } },
  { name: '0-D array', make: () => path.join(REAL, 'scalar.npy'), want: { code: 'npy-shape', reason: /^holds a single number \(a 0-D array\)/ } },
  {
    name: 'truncated .npy',
    make: () => {
      const p = path.join(dir, 'trunc-src.npy');
      writeNpy(p, matrix(100, 3));
      const b = fs.readFileSync(p);
      fs.rmSync(p);
      return put('trunc.npy', b.subarray(0, b.length - 50));
    },
    want: { code: 'truncated', reason: /^is truncated: the header promises 100 × 3 float32 values \(1200 bytes of data\) but 1150 bytes follow \(95 complete rows\)$/ },
  },
  {
    name: '.npy over the memory budget',
    make: () => {
      const p = path.join(dir, 'budget.npy');
      writeNpy(p, matrix(100, 3));
      clearInputs();
      return p;
    },
    opts: { maxBytes: 400 },
    want: { code: 'too-large', reason: /^100 rows × 3 columns need 1\.2 KiB as float32, over the memory budget of 400 bytes; give --max-rows N/ },
  },
  { name: 'text named .npy', make: () => put('text.npy', 'a,b\n1,2\n'), want: { code: 'bad-magic', reason: /^is not a NumPy \.npy file \(.*; it looks like text\)$/ } },
  { name: 'garbled .npy header', make: () => put('garbled.npy', npyFile("{'desc': '<f4', 'shape': (1,)}", f32(1))), want: { code: 'npy-header', reason: /^has a malformed \.npy header \(no 'descr'\)/ } },
  { name: '.npy version 9', make: () => put('v9.npy', npyFile(header('<f4', '(1,)'), f32(1), 9)), want: { code: 'npy-version', reason: /^has \.npy format version 9\.0; versions 1\.0–3\.0 are supported$/ } },
  { name: 'unsupported dtype', make: () => put('f16.npy', npyFile(header('<f16', '(1,)'), new Uint8Array(16))), want: { code: 'npy-dtype', reason: /^has the unsupported dtype '<f16'/ } },
  // ---- .npz
  { name: 'npz key not found', make: () => path.join(REAL, 'stored.npz'), opts: { dataset: 'y' }, want: { code: 'npz-key', reason: /^has no array 'y'; arrays: x, w$/ } },
  { name: 'npz arrays of unequal length', make: () => path.join(REAL, 'unequal.npz'), want: { code: 'npz-lengths', reason: /a \(3\), b \(4\)/ } },
  { name: 'npz cut short', make: () => put('cut.npz', fs.readFileSync(path.join(REAL, 'columns.npz')).subarray(0, 300)), want: { code: 'zip-corrupt', reason: /^is a corrupt or truncated zip archive: no end-of-central-directory record$/ } },
  { name: 'text named .npz', make: () => put('text.npz', 'hello'), want: { code: 'bad-magic', reason: /^is not a zip archive/ } },
  {
    name: 'npz with damaged deflate data',
    make: () => {
      const z = zipFile([{ name: 'x.npy', data: npyFile(header('<f4', '(64,)'), f32(...Array.from({ length: 64 }, (_, i) => i))), deflate: true }]);
      for (let i = 45; i < 60; i++) z[i] ^= 0x5a;
      return put('damaged.npz', z);
    },
    want: { code: 'zip-corrupt', array: 'x', reason: /^is corrupt: (cannot inflate|CRC-32 mismatch|inflates to)/ },
  },
  { name: 'npz member object array', make: () => put('obj.npz', zipFile([{ name: 'o.npy', data: fs.readFileSync(path.join(REAL, 'object.npy')) }])), want: { code: 'npy-object', array: 'o', reason: /^holds Python objects/ } },
  // ---- JSON
  { name: 'JSON syntax error', make: () => put('syntax.json', '[[1, 2],\n [3, 4,]]'), want: { code: 'json-syntax', reason: /^JSON syntax error at line 2, column 8 \(byte 16\): expected a value, found '\]\]'$/ } },
  { name: 'truncated JSON', make: () => put('trunc.json', '[[1, 2], [3, '), want: { code: 'json-syntax', reason: /found the end of the file \(truncated\?\)$/ } },
  { name: 'JSON ragged rows', make: () => put('ragged.json', '[[1, 2], [3]]'), want: { code: 'ragged', row: 2, reason: /^has 1 value but row 1 has 2$/ } },
  { name: 'JSON record lacking a key', make: () => put('rec.json', '[{"a": 1, "b": 2}, {"a": 3}]'), want: { code: 'ragged', row: 2, column: 'b', reason: /^lacks the key/ } },
  { name: 'JSON string cell', make: () => put('str.json', '{"x": [1, "two"]}'), want: { code: 'not-numeric', row: 2, column: 'x', reason: /^'two' is not a number \(line 1, column 11 \(byte 10\)\)$/ } },
  { name: 'JSON scalar', make: () => put('scalar.json', '42'), want: { code: 'json-shape', reason: /^holds a single JSON value, not a table/ } },
  // ---- HDF5
  { name: 'h5 dataset not found', make: () => path.join(REAL, 'h5py_mixed.h5'), opts: { dataset: 'events/nope' }, want: { code: 'h5-not-found', array: 'events/nope', reason: /^not found: '\/events' has no member 'nope' \(it holds: features\)$/ } },
  { name: 'h5 3-D dataset', make: () => path.join(REAL, 'h5py_mixed.h5'), opts: { dataset: 'cube' }, want: { code: 'h5-rank', array: '/cube', reason: /^is 3-D \(2 × 3 × 4\)/ } },
  { name: 'h5 string dataset', make: () => path.join(REAL, 'h5py_mixed.h5'), opts: { dataset: '/names' }, want: { code: 'h5-dtype', array: '/names', reason: /^holds strings, not numbers/ } },
  { name: 'h5 compound dataset', make: () => path.join(REAL, 'h5py_mixed.h5'), opts: { dataset: 'records' }, want: { code: 'h5-dtype', array: '/records', reason: /^holds compound records/ } },
  { name: 'pandas table format', make: () => path.join(REAL, 'pandas_table.h5'), want: { code: 'h5-pandas-table', reason: /format='table'.*format='fixed'/ } },
  { name: 'h5 without tables', make: () => h5('notable.h5', (f) => f.create_dataset({ name: 's', data: ['a', 'b'] })), want: { code: 'h5-no-table', reason: /^holds no numeric table .*top level: s$/ } },
  { name: 'h5 group of unequal columns', make: () => h5('unequal.h5', (f) => { const g = f.create_group('g'); g.create_dataset({ name: 'a', data: new Float64Array(3) }); g.create_dataset({ name: 'b', data: new Float64Array(4) }); }), opts: { dataset: 'g' }, want: { code: 'h5-lengths', array: '/g', reason: /a \(3\), b \(4\)/ } },
  {
    name: 'truncated HDF5',
    make: async () => {
      const p = path.join(dir, 'trunc-src.h5');
      await writeDataset(p, matrix(1000, 4));
      const b = fs.readFileSync(p);
      fs.rmSync(p);
      clearInputs();
      return put('trunc.h5', b.subarray(0, b.length >> 1));
    },
    want: { code: 'truncated', reason: /^cannot be opened as HDF5: truncated file: eof = / },
  },
  { name: 'text named .h5', make: () => put('text.h5', 'a,b\n1,2\n'), want: { code: 'bad-magic', reason: /^is not an HDF5 file/ } },
  // ---- Parquet
  { name: 'text named .parquet', make: () => put('text.parquet', 'a,b\n1,2\n'), want: { code: 'bad-magic', reason: /^is not a Parquet file/ } },
  { name: 'truncated Parquet', make: async () => { const p = await parquet('t-src.parquet', [{ name: 'x', data: [1, 2, 3], type: 'DOUBLE' }]); const b = fs.readFileSync(p); fs.rmSync(p); return put('trunc.parquet', b.subarray(0, b.length - 9)); }, want: { code: 'truncated', reason: /^is truncated: a Parquet file ends with 'PAR1'/ } },
  { name: 'Parquet string column chosen', make: () => parquet('str.parquet', [{ name: 'x', data: [1, 2], type: 'DOUBLE' }, { name: 's', data: ['a', 'b'], type: 'STRING' }]), opts: { columns: ['s'] }, want: { code: 'not-numeric', column: 's', reason: /^column is not numeric \(strings\)$/ } },
  { name: 'Parquet nulls', make: () => parquet('null.parquet', [{ name: 'x', data: [1, null, 3], type: 'DOUBLE' }]), want: { code: 'non-finite', row: 2, column: 'x', reason: /^NaN or missing value/ } },
  // ---- paths
  { name: 'unknown extension', make: () => put('table.xlsx', 'PK'), want: { code: 'unknown-format', reason: /^has the extension \.xlsx, which Flowmorph does not read; use one of \.csv, \.txt, \.tsv/ } },
  { name: 'no such file', make: () => path.join(dir, 'missing.csv'), want: { code: 'not-found', reason: /^no such file$/ } },
  { name: 'a directory', make: () => { const p = path.join(dir, 'folder.csv'); fs.mkdirSync(p, { recursive: true }); return p; }, want: { code: 'not-a-file', reason: /^is a directory/ } },
  { name: 'outside the workspace', make: () => put('elsewhere.csv', 'a\n1\n'), opts: { workspaceRoot: path.join(dir, 'ws') }, want: { code: 'outside-workspace', reason: /^is outside the workspace/ } },
];

before(() => fs.mkdirSync(path.join(dir, 'ws'), { recursive: true }));

test('the corpus has at least 30 cases over every format', () => {
  assert.ok(cases.length >= 30, `${cases.length} cases`);
});

for (const c of cases) {
  test(`bad input: ${c.name}`, async () => {
    const p = await c.make();
    const exists = fs.existsSync(p) && fs.statSync(p).isFile();
    const hash = exists ? sha256(p) : undefined;
    const folder = path.dirname(p);
    const listing = fs.readdirSync(folder).sort();
    await rejectsWith(readDataset(p, c.opts), { file: p, ...c.want });
    if (exists) assert.equal(sha256(p), hash, 'the input is byte-identical afterwards');
    assert.deepEqual(fs.readdirSync(folder).sort(), listing, 'nothing written beside the input');
  });
}
