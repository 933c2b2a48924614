// Reply (src/protocol/reply.ts): the request/reply helper behind plot export, one-shot worker jobs, Preview
// Dataset's worker and whenDrawn. Settles once, runs its clean-up once, fails with its message at the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reply } from '../../../src/protocol/reply';

test('a reply settles once: the first answer wins, later answers and failures are ignored, clean-up runs once', async () => {
  let cleanups = 0;
  const r = new Reply<number>({ ms: 60_000, message: 'never' }, () => cleanups++);
  assert.equal(r.pending, true);
  r.resolve(1);
  r.resolve(2);
  r.reject(new Error('late'));
  assert.equal(r.pending, false);
  assert.equal(await r.promise, 1);
  assert.equal(cleanups, 1);
});

test('a failure rejects with its error and runs the clean-up; a reply without a deadline waits', async () => {
  let cleanups = 0;
  const r = new Reply<number>(undefined, () => cleanups++);
  assert.equal(r.pending, true);
  r.reject(new Error('the worker exited (code 1)'));
  r.resolve(3);
  await assert.rejects(r.promise, /^Error: the worker exited \(code 1\)$/);
  assert.equal(cleanups, 1);
});

test('at the deadline the reply fails with its message, read at that moment when it is a function', async () => {
  let drawn = 0;
  let cleanups = 0;
  const r = new Reply<number>({ ms: 1, message: () => `drew ${drawn}` }, () => cleanups++);
  drawn = 7;
  await assert.rejects(r.promise, /^Error: drew 7$/);
  assert.equal(r.pending, false);
  assert.equal(cleanups, 1);
  r.resolve(5); // too late: ignored
  assert.equal(cleanups, 1);
});
