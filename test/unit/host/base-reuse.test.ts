// The reuse key of base flows trained by Train Morph (src/host/baseReuse.ts): equal for the same file,
// columns and settings (whatever the key order), different when any of them changes; and the lookup of
// a finished morph run's base-flow folder by key.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { baseFlowKey, findReusableBase, morphBaseKeys, SPLIT_RULE } from '../../../src/host/baseReuse';
import type { RunRecord } from '../../../src/host/runs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-base-reuse-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const settings = { preset: 'fast', flow: { stacks: 2, hidden: 32 }, train: { steps: 20, seed: 0, lr: 3e-3 }, conditional: false, split: { validationFraction: 0.1, seed: 0 } };

test('base-flow key: same file, columns and settings give the same key; any change gives another', () => {
  const s = path.join(dir, 's.csv');
  const t = path.join(dir, 't.csv');
  fs.writeFileSync(s, 'x,y\n1,2\n');
  fs.writeFileSync(t, 'x,y\n3,4\n');
  const a = morphBaseKeys({ path: s }, { path: t }, settings);
  assert.match(a.source, /^[0-9a-f]{64}$/);
  assert.notEqual(a.source, a.target);
  // Same inputs, keys in another order, a workspace root: the same key.
  const reordered = { split: { seed: 0, validationFraction: 0.1 }, conditional: false, train: { lr: 3e-3, seed: 0, steps: 20 }, flow: { hidden: 32, stacks: 2 }, preset: 'fast' };
  assert.deepEqual(morphBaseKeys({ path: s, workspaceRoot: dir }, { path: t }, reordered), a);
  assert.equal(baseFlowKey({ path: 'a' }, { x: 1, y: undefined }, {}), baseFlowKey({ path: 'a' }, { x: 1 }, {}));
  // The split rule is part of the key: a key recorded before the 1 000-row floor (the same text without
  // splitRule) is not this one.
  assert.deepEqual(SPLIT_RULE, { minHeldOut: 1000, from: 5000 });
  const before = createHash('sha256').update('{"columns":{"x":1},"file":{"path":"a"},"settings":{},"v":1}').digest('hex');
  const now = createHash('sha256').update('{"columns":{"x":1},"file":{"path":"a"},"settings":{},"splitRule":{"from":5000,"minHeldOut":1000},"v":1}').digest('hex');
  assert.notEqual(now, before);
  assert.equal(baseFlowKey({ path: 'a' }, { x: 1 }, {}), now);
  // Other settings, columns, file contents (size / mtime) or the other side's file: other keys.
  assert.notEqual(morphBaseKeys({ path: s }, { path: t }, { ...settings, train: { ...settings.train, steps: 21 } }).source, a.source);
  assert.notEqual(morphBaseKeys({ path: s }, { path: t }, { ...settings, flow: { stacks: 3, hidden: 32 } }).source, a.source);
  assert.notEqual(morphBaseKeys({ path: s, conditionColumns: ['y'] }, { path: t }, settings).source, a.source);
  assert.notEqual(morphBaseKeys({ path: s, columns: ['x'] }, { path: t }, settings).source, a.source);
  const t2 = path.join(dir, 't2.csv');
  fs.writeFileSync(t2, 'x,y\n3,4\n');
  assert.notEqual(morphBaseKeys({ path: s }, { path: t2 }, settings).source, a.source, 'the shared preprocessing depends on the other file');
  fs.writeFileSync(s, 'x,y\n1,2\n5,6\n');
  assert.notEqual(morphBaseKeys({ path: s }, { path: t }, settings).source, a.source, 'a rewritten file');
  // Toys: their spec is their identity.
  assert.equal(morphBaseKeys({ path: 'toy:moons:500' }, { path: t }, settings).source, morphBaseKeys({ path: 'toy:moons:500' }, { path: t }, settings).source);
  assert.notEqual(morphBaseKeys({ path: 'toy:moons:500' }, { path: t }, settings).source, morphBaseKeys({ path: 'toy:moons:600' }, { path: t }, settings).source);
});

test('findReusableBase: the newest finished morph run that trained that side under that key', () => {
  const run = (name: string, status: RunRecord['status'], keys: RunRecord['baseKeys'], withModel = true): RunRecord => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.join(p, 'source'), { recursive: true });
    if (withModel) for (const f of ['model.json', 'weights.bin']) fs.writeFileSync(path.join(p, 'source', f), '{}');
    return { id: name, path: p, kind: 'morph', role: 'morph', label: name, status, data: {}, startedAt: '', baseKeys: keys } as RunRecord;
  };
  const runs = [
    run('newest-failed', 'failed', { source: 'k' }),
    run('newest-other-key', 'done', { source: 'other' }),
    run('no-files', 'done', { source: 'k' }, false),
    run('good', 'done', { source: 'k' }),
    run('older', 'done', { source: 'k' }),
  ];
  assert.equal(findReusableBase(runs, 'source', 'k')?.dir, path.join(dir, 'good', 'source'));
  assert.equal(findReusableBase(runs, 'target', 'k'), undefined);
  assert.equal(findReusableBase(runs, 'source', 'nope'), undefined);
});
