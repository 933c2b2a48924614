// Non-UTF-8 header bytes (Latin-1, Windows-1252, stray continuation bytes, cut sequences): the data
// offset counts bytes, so every value reads back exactly, and the names read as Latin-1.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readDataset } from '../../../src/data/read';
import { tempDir } from './helpers';

const dir = tempDir('enc');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SEQUENCES: [string, number[]][] = [
  ['Latin-1 é', [0xe9]],
  ['Latin-1 ÿ', [0xff]],
  ['lone continuation byte', [0x80]],
  ['Windows-1252 quotes', [0x93, 0x94]],
  ['cut 3-byte sequence', [0xe2, 0x82]],
  ['overlong encoding', [0xc0, 0xaf]],
  ['several in a row', [0xe9, 0xe8, 0xe0, 0xfc, 0xf6]],
];

for (const [name, bytes] of SEQUENCES) {
  test(`header with ${name}: values read back exactly`, async () => {
    const rows = 2000;
    const lines: string[] = [];
    for (let i = 0; i < rows; i++) lines.push(`${(i * 0.25).toFixed(2)},${i + 0.5}`);
    const p = path.join(dir, `h${bytes.join('-')}.csv`);
    fs.writeFileSync(p, Buffer.concat([Buffer.from('caf'), Buffer.from(bytes), Buffer.from(',y\n'), Buffer.from(lines.join('\n') + '\n')]));
    const ds = await readDataset(p);
    assert.equal(ds.features.rows, rows);
    assert.equal(ds.features.columns[0], 'caf' + Buffer.from(bytes).toString('latin1'));
    for (let i = 0; i < rows; i++) {
      assert.equal(ds.features.data[2 * i], Math.fround(Number((i * 0.25).toFixed(2))), `row ${i + 2}`);
      assert.equal(ds.features.data[2 * i + 1], Math.fround(i + 0.5), `row ${i + 2}`);
    }
  });
}

test('the issue’s three-line Latin-1 file reads (1.5, 2.5), (3.5, 4.5)', async () => {
  const p = path.join(dir, 'lat.csv');
  fs.writeFileSync(p, Buffer.from('caf\xe9,y\n1.5,2.5\n3.5,4.5\n', 'latin1'));
  const ds = await readDataset(p);
  assert.deepEqual(Array.from(ds.features.data), [1.5, 2.5, 3.5, 4.5]);
  assert.deepEqual(ds.features.columns, ['café', 'y']);
});

test('a comment line with Latin-1 bytes before the header does not shift the data either', async () => {
  const p = path.join(dir, 'comment.csv');
  fs.writeFileSync(p, Buffer.from('# r\xe9sum\xe9 \xe0 la cr\xe8me\na,b\n1,2\n3,4\n', 'latin1'));
  const ds = await readDataset(p);
  assert.deepEqual(Array.from(ds.features.data), [1, 2, 3, 4]);
});
