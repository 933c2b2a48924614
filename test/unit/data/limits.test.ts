// Boundaries of the data layer (issue #11, items 10 and 14): a .npz member is inflated as it is read,
// never past the size its directory entry declares (a zip bomb stops there, in little memory); paths
// are inside a folder by path components, so `..data.csv` is inside and `../x` is not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import { checkReadable, confined, isInside } from '../../../src/data/paths';
import { readDataset } from '../../../src/data/read';
import { writeNpy } from '../../../src/data/write';
import { matrix } from '../../../src/data/matrix';
import { npyFile, zipFile } from './builders';
import { tempDir } from './helpers';

const dir = tempDir('limits');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const npyHeader = (rows: number) => `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, 2), }`;

/** Raw deflate of `head` followed by `zeros` zero bytes, streamed (the test never holds the zeros). */
async function deflateWithZeros(head: Buffer, zeros: number): Promise<Buffer> {
  const z = zlib.createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => z.on('end', r));
  z.write(head);
  const block = Buffer.alloc(1 << 20);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!z.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

test('a zip bomb (.npz member declaring 8 KB, inflating to 256 MB) stops at the declared size, in little memory', async () => {
  const small = npyFile(npyHeader(1000), new Uint8Array(8000));
  const body = await deflateWithZeros(small, 256 << 20);
  const p = path.join(dir, 'bomb.npz');
  fs.writeFileSync(p, zipFile([{ name: 'x.npy', data: small, deflate: true, body }]));
  assert.ok(fs.statSync(p).size < 1 << 20, 'the bomb is small');
  // In a fresh process, to measure its peak memory.
  const read = path.join(__dirname, '..', '..', '..', 'src', 'data', 'read.js');
  const script = `require(${JSON.stringify(read)}).readDataset(${JSON.stringify(p)}).then(() => console.log(JSON.stringify({ ok: true })), (e) => console.log(JSON.stringify({ msg: e.message, rssMB: process.resourceUsage().maxRSS / 1024 })))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const res = JSON.parse(r.stdout.trim());
  assert.match(res.msg, /bomb\.npz: array 'x': is corrupt: inflates past the \d+ bytes its directory entry declares/);
  assert.ok(res.rssMB < 200, `peak RSS ${res.rssMB} MB stays far below the 256 MB the member inflates to`);
});

test('deflated .npz members still read exactly (streamed inflation, several blocks) and a damaged CRC is refused', async () => {
  const rows = 300_000;
  const m = matrix(rows, 2, Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i) * 1000), ['a', 'b']);
  const np = path.join(dir, 'm.npy');
  writeNpy(np, m);
  const data = fs.readFileSync(np);
  const p = path.join(dir, 'ok.npz');
  fs.writeFileSync(p, zipFile([{ name: 'm.npy', data, deflate: true }]));
  const ds = await readDataset(p);
  assert.equal(ds.features.rows, rows);
  assert.deepEqual(ds.features.data, m.data);
  const bad = Buffer.from(data);
  const z = zipFile([{ name: 'm.npy', data: bad, deflate: true, body: zlib.deflateRawSync(Buffer.concat([bad.subarray(0, bad.length - 4), Buffer.from([1, 2, 3, 4])])) }]);
  fs.writeFileSync(path.join(dir, 'crc.npz'), z);
  await assert.rejects(readDataset(path.join(dir, 'crc.npz')), /crc\.npz: array 'm': is corrupt: CRC-32 mismatch/);
});

test('isInside / confined: `..data.csv` is inside, `..`, `../x` and absolute paths elsewhere are not', () => {
  assert.equal(isInside('/w', '/w/..data.csv'), true);
  assert.equal(isInside('/w', '/w/a/../..data.csv'), true);
  assert.equal(isInside('/w', '/w'), false);
  assert.equal(isInside('/w', '/w/..'), false);
  assert.equal(isInside('/w', '/x'), false);
  assert.equal(isInside('/w', '/w2/a'), false);
  assert.equal(confined('/w', '/w/exp', 'runs'), '/w/exp/runs');
  assert.equal(confined('/w', '/w/exp', '../../..'), undefined);
  assert.equal(confined('/w', '/w/exp', '/etc'), undefined);
  assert.equal(confined('/w', '/w/exp', '..'), '/w');
});

test('a dataset named ..data.csv at the workspace root is readable there', async () => {
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const p = path.join(ws, '..data.csv');
  fs.writeFileSync(p, 'a,b\n1,2\n');
  const r = await checkReadable(p, ws);
  assert.equal(r.size, 8);
  fs.writeFileSync(path.join(dir, 'outside.csv'), 'a\n1\n');
  await assert.rejects(checkReadable(path.join(ws, '..', 'outside.csv'), ws), /outside the workspace/);
});
