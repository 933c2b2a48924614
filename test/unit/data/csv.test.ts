import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../../src/core/random';
import { readDataset } from '../../../src/data/read';
import { writeCsv } from '../../../src/data/write';
import { assertClose, randomMatrix, rejectsWith, tempDir, write } from './helpers';

const dir = tempDir('csv');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('writeCsv → readDataset round-trips float32 values and names exactly', async () => {
  const m = randomMatrix(2000, 5, 7, ['px', 'py', 'a b', 'c,d', 'q"uote']);
  m.data[3] = 1e-30;
  m.data[4] = -3.4e38;
  m.data[5] = 1.17549435e-38;
  const p = path.join(dir, 'round.csv');
  writeCsv(p, m);
  const ds = await readDataset(p);
  assert.equal(ds.format, 'csv');
  assert.deepEqual(ds.features.columns, ['px', 'py', 'a b', 'c,d', 'q"uote']);
  assert.equal(ds.features.rows, 2000);
  assert.deepEqual(Array.from(ds.features.data), Array.from(m.data));
  assert.equal(ds.totalRows, 2000);
  assert.equal(ds.droppedRows, 0);
  assert.equal(ds.condition, undefined);
});

test('TSV: writeCsv picks tab for .tsv and the reader forces tab', async () => {
  const m = randomMatrix(50, 3, 2, ['a', 'b', 'c']);
  const p = path.join(dir, 'x.tsv');
  writeCsv(p, m);
  assert.equal(fs.readFileSync(p, 'utf8').split('\n')[0], 'a\tb\tc');
  const ds = await readDataset(p);
  assert.equal(ds.format, 'tsv');
  assert.deepEqual(Array.from(ds.features.data), Array.from(m.data));
});

test('headerless files get names x0…; a first line 0,1,2 stays data (with a warning) unless header is given', async () => {
  const a = await readDataset(write(dir, 'nohead.csv', '1,2,3\n4,5,6\n'));
  assert.deepEqual(a.features.columns, ['x0', 'x1', 'x2']);
  assert.deepEqual(Array.from(a.features.data), [1, 2, 3, 4, 5, 6]);
  const b0 = await readDataset(write(dir, 'inthead.csv', '0,1,2\n4.5,5,6\n'));
  assert.deepEqual(b0.features.columns, ['x0', 'x1', 'x2']);
  assert.deepEqual(Array.from(b0.features.data), [0, 1, 2, 4.5, 5, 6]);
  assert.match(b0.warnings.join('\n'), /first line \(0,1,2\) is read as data.*--header/);
  const b = await readDataset(path.join(dir, 'inthead.csv'), { header: true });
  assert.deepEqual(b.features.columns, ['0', '1', '2']);
  assert.deepEqual(Array.from(b.features.data), [4.5, 5, 6]);
  // Selecting by a digit string matches the name first.
  const c = await readDataset(write(dir, 'inthead2.csv', '1,2,0\n4,5,6\n'), { columns: ['0'], header: true });
  assert.deepEqual(Array.from(c.features.data), [6]);
  const d = await readDataset(write(dir, 'forced.csv', '7,8\n1,2\n'), { header: true });
  assert.deepEqual(d.features.columns, ['7', '8']);
  assert.deepEqual(Array.from(d.features.data), [1, 2]);
});

test('delimiters: semicolon with decimal comma, tab, runs of blanks with leading spaces', async () => {
  const semi = await readDataset(write(dir, 'semi.csv', 'a;b\n1,5;-2,25\n3;4e-1\n'));
  assert.deepEqual(Array.from(semi.features.data), [1.5, -2.25, 3, 0.4].map(Math.fround));
  const tab = await readDataset(write(dir, 'tab.txt', 'a\tb\n1\t2\n'));
  assert.deepEqual(tab.features.columns, ['a', 'b']);
  assert.deepEqual(Array.from(tab.features.data), [1, 2]);
  const ws = await readDataset(write(dir, 'ws.txt', '  # generated\n   1.0   2.0\t 3\n  4   5 6   \n'));
  assert.deepEqual(ws.features.columns, ['x0', 'x1', 'x2']);
  assert.deepEqual(Array.from(ws.features.data), [1, 2, 3, 4, 5, 6]);
});

test('quotes, comments, blank lines, CRLF, BOM, trailing delimiters, no final newline', async () => {
  const text = '\ufeff# exported\r\n"a, x",b , "c"\r\n\r\n"1.5", 2 ,3,\r\n# mid comment\r\n  \r\n4,"5",6,\r\n7,8,9,';
  const ds = await readDataset(write(dir, 'messy.csv', text));
  assert.deepEqual(ds.features.columns, ['a, x', 'b', 'c']);
  assert.deepEqual(Array.from(ds.features.data), [1.5, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Physical line numbers survive comments, blank lines and CRLF: line 8 is the bad one.
  const bad = write(dir, 'messy-bad.csv', '# c\r\na,b\r\n\r\n1,2\r\n# c\r\n\r\n3,4\r\n5,x\r\n');
  await rejectsWith(readDataset(bad), { code: 'not-numeric', file: bad, row: 8, column: 'b', reason: /^'x' is not a number$/ });
});

test('duplicate header names are made unique pandas-style, with a warning', async () => {
  const warnings: string[] = [];
  const ds = await readDataset(write(dir, 'dup.csv', 'a,a,b,a\n1,2,3,4\n'), { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(ds.features.columns, ['a', 'a.1', 'b', 'a.2']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /renamed duplicate header names: a → a\.1, a → a\.2/);
});

test('column roles: features and conditions by name or index, in the order asked', async () => {
  const p = write(dir, 'roles.csv', 'm,pt,eta,phi\n1,2,3,4\n5,6,7,8\n');
  const ds = await readDataset(p, { columns: ['phi', 1], conditionColumns: [0] });
  assert.deepEqual(ds.features.columns, ['phi', 'pt']);
  assert.deepEqual(Array.from(ds.features.data), [4, 2, 8, 6]);
  assert.deepEqual(ds.condition!.columns, ['m']);
  assert.deepEqual(Array.from(ds.condition!.data), [1, 5]);
  // Default features: everything that is not a condition.
  const d2 = await readDataset(p, { conditionColumns: ['eta'] });
  assert.deepEqual(d2.features.columns, ['m', 'pt', 'phi']);
  assert.deepEqual(Array.from(d2.condition!.data), [3, 7]);
});

test('missing markers and ±inf: refused with a count, or dropped with dropNonFinite', async () => {
  const p = write(dir, 'nan.csv', 'a,b\n1,2\nNA,3\n4,\n5,inf\n6,-Infinity\n7,null\n8,9\n');
  await rejectsWith(readDataset(p), { code: 'non-finite', file: p, row: 3, column: 'a', reason: /^NaN or missing value: the first of 5 \(of 7\) rows/ });
  const ds = await readDataset(p, { dropNonFinite: true });
  assert.deepEqual(Array.from(ds.features.data), [1, 2, 8, 9]);
  assert.equal(ds.droppedRows, 5);
  assert.equal(ds.totalRows, 7);
  assert.match(ds.warnings[0], /dropped 5 of 7 rows .* \(first: row 3, column 'a'/);
  // Only the chosen columns count: column a alone has one missing value.
  const a = await readDataset(p, { columns: ['a'], dropNonFinite: true });
  assert.deepEqual(Array.from(a.features.data), [1, 4, 5, 6, 7, 8]);
  assert.equal(a.droppedRows, 1);
});

test('long mantissas and odd spellings parse to exactly fround(parseFloat), across 1 MB chunk edges', async () => {
  const rng = new Rng(3);
  const texts: string[] = [];
  const lines: string[] = ['a,b,c'];
  for (let r = 0; r < 40000; r++) {
    const row: string[] = [];
    for (let c = 0; c < 3; c++) {
      const v = rng.normal() * 10 ** (rng.int(16) - 8);
      const k = rng.int(6);
      const t = k === 0 ? v.toPrecision(17) : k === 1 ? v.toExponential(18) : k === 2 ? String(v) : k === 3 ? v.toFixed(3) : k === 4 ? `+${Math.abs(v).toPrecision(9)}` : v.toExponential(2).replace('e', 'E');
      row.push(t);
      texts.push(t);
    }
    lines.push(row.join(','));
  }
  const p = write(dir, 'long.csv', lines.join('\n') + '\n');
  assert.ok(fs.statSync(p).size > 1 << 20, 'the file spans at least two read chunks');
  const ds = await readDataset(p);
  assert.equal(ds.features.rows, 40000);
  const want = Float32Array.from(texts, (t) => parseFloat(t));
  let diff = 0;
  for (let i = 0; i < want.length; i++) if (ds.features.data[i] !== want[i]) diff++;
  assert.equal(diff, 0);
});

test('special spellings: .5, 5., -0, 1E3, leading zeros, spaces around values', async () => {
  const ds = await readDataset(write(dir, 'spell.csv', 'a,b,c,d,e,f\n.5, 5. ,-0,1E3,007.50,  -.25e+1\n'));
  assertClose(ds.features.data, [0.5, 5, -0, 1000, 7.5, -2.5]);
  assert.ok(Object.is(ds.features.data[2], -0));
});

test('maxRows keeps a seeded random subsample in file order, with a warning', async () => {
  const lines = ['i'];
  for (let r = 0; r < 1000; r++) lines.push(String(r));
  const p = write(dir, 'many.csv', lines.join('\n'));
  const a = await readDataset(p, { maxRows: 100 });
  const b = await readDataset(p, { maxRows: 100 });
  const c = await readDataset(p, { maxRows: 100, seed: 5 });
  assert.equal(a.features.rows, 100);
  assert.equal(a.totalRows, 1000);
  assert.deepEqual(Array.from(a.features.data), Array.from(b.features.data));
  assert.notDeepEqual(Array.from(a.features.data), Array.from(c.features.data));
  const v = Array.from(a.features.data);
  for (let i = 1; i < v.length; i++) assert.ok(v[i] > v[i - 1], 'file order kept, no repeats');
  // Uniform-ish: the kept rows span the file (a prefix would end at 99).
  assert.ok(v[v.length - 1] > 800 && v[0] < 200, `${v[0]} … ${v[v.length - 1]}`);
  assert.match(a.warnings.join('\n'), /random subsample of 100 of 1000 rows/);
  // Fewer rows than maxRows: everything, no warning.
  const all = await readDataset(p, { maxRows: 5000 });
  assert.equal(all.features.rows, 1000);
  assert.deepEqual(all.warnings, []);
});

test('memory budget: refuses without maxRows, subsamples with it', async () => {
  const lines = ['a,b'];
  for (let r = 0; r < 300; r++) lines.push(`${r},${-r}`);
  const p = write(dir, 'budget.csv', lines.join('\n'));
  // 1 KiB holds 128 rows of 2 float32 columns.
  await rejectsWith(readDataset(p, { maxBytes: 1024 }), { code: 'too-large', file: p, reason: /^more than 128 rows × 2 columns need more than 1\.0 KiB as float32, over the memory budget of 1\.0 KiB; give --max-rows N/ });
  const ds = await readDataset(p, { maxBytes: 1024, maxRows: 1000 });
  assert.equal(ds.features.rows, 128);
  assert.match(ds.warnings.join('\n'), /memory budget of 1\.0 KiB holds only 128 rows of 2 columns, fewer than --max-rows 1000/);
});

test('a text column left out by the column choice does not fail the read; chosen, it does', async () => {
  const p = write(dir, 'textcol.csv', 'name,a,b\nfoo,1,2\n"bar, baz",3,4\n');
  const ds = await readDataset(p, { columns: ['a', 'b'] });
  assert.deepEqual(Array.from(ds.features.data), [1, 2, 3, 4]);
  await rejectsWith(readDataset(p, { columns: ['name', 'a'] }), { code: 'not-numeric', file: p, row: 2, column: 'name', reason: /'foo' is not a number/ });
});
