// The column picker's rules and its write (src/host/columnChoice.ts): the choice is checked and put in file
// order, written into the experiment's data spec, and the CLI (`fit --experiment FILE`) then trains on
// exactly those feature and condition columns (model.json names them), as the extension's jobs do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultExperiment, formatExperiment, parseExperiment } from '../../../src/config/experiment';
import { columnChoice, initialChoice, withColumns } from '../../../src/host/columnChoice';
import { runCli } from '../cli/runner';

const ALL = ['px', 'py', 'pz', 'mjj'];

test('columnChoice keeps file order and refuses no feature, unknown names and a column in both roles', () => {
  assert.deepEqual(columnChoice(ALL, ['pz', 'px'], ['mjj']), { columns: ['px', 'pz'], conditionColumns: ['mjj'] });
  assert.deepEqual(columnChoice(ALL, ['py'], []), { columns: ['py'], conditionColumns: [] });
  assert.throws(() => columnChoice(ALL, [], ['mjj']), /at least one feature column/);
  assert.throws(() => columnChoice(ALL, ['px', 'E'], []), /no column "E" in the file \(its columns: px, py, pz, mjj\)/);
  assert.throws(() => columnChoice(ALL, ['px', 'mjj'], ['mjj']), /mjj cannot be both a feature and a condition/);
});

test('initialChoice offers the spec\'s columns (names or indices), else every column as a feature', () => {
  assert.deepEqual(initialChoice(ALL, undefined), { columns: ALL, conditionColumns: [] });
  assert.deepEqual(initialChoice(ALL, { path: 'a.h5', conditionColumns: ['mjj'] }), { columns: ['px', 'py', 'pz'], conditionColumns: ['mjj'] });
  assert.deepEqual(initialChoice(ALL, { path: 'a.h5', columns: [0, 'py'], conditionColumns: [3] }), { columns: ['px', 'py'], conditionColumns: ['mjj'] });
  // A spec of another file's columns (names this file lacks) falls back to every column.
  assert.deepEqual(initialChoice(ALL, { path: 'b.h5', columns: ['E'], conditionColumns: ['m'] }), { columns: ALL, conditionColumns: [] });
});

test('withColumns writes the role\'s data spec, keeps the other role and the same file\'s settings, drops stale columns', () => {
  const exp = { ...defaultExperiment(), source: { path: 'sim.h5', dataset: 'events', dropNonFinite: true, columns: ['a'] }, target: { path: 'data.h5' } };
  const next = withColumns(exp, 'source', 'sim.h5', columnChoice(ALL, ['px', 'py'], ['mjj']));
  assert.deepEqual(next.source, { path: 'sim.h5', dataset: 'events', dropNonFinite: true, columns: ['px', 'py'], conditionColumns: ['mjj'] });
  assert.deepEqual(next.target, { path: 'data.h5' });
  assert.deepEqual(exp.source.columns, ['a'], 'the input experiment is not changed');
  // Another file: nothing of the old spec is kept; no condition columns: no conditionColumns key.
  const other = withColumns(next, 'source', 'other.csv', columnChoice(ALL, ['px'], []));
  assert.deepEqual(other.source, { path: 'other.csv', columns: ['px'] });
  // The file as written validates and reads back the same.
  const back = parseExperiment(formatExperiment(next));
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.experiment?.source, next.source);
});

test('the CLI trains on the columns the picker wrote to the experiment file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-columns-'));
  // Four columns in an order unlike the choice's: a feature after the condition, one column left out.
  const lines = ['mjj,px,noise,py'];
  for (let i = 0; i < 400; i++) lines.push([3 + (i % 7) * 0.1, Math.sin(i), (i * 37) % 11, Math.cos(i * 1.3)].map((v) => v.toFixed(5)).join(','));
  fs.writeFileSync(path.join(dir, 'sim.csv'), lines.join('\n') + '\n');
  const all = ['mjj', 'px', 'noise', 'py'];
  let exp = defaultExperiment();
  exp.base = { preset: 'fast', flow: { stacks: 1, blocks: 1, hidden: 8, bins: 4 }, train: { batch: 64 } };
  exp = withColumns(exp, 'source', 'sim.csv', columnChoice(all, ['py', 'px'], ['mjj']));
  fs.writeFileSync(path.join(dir, 'e.flowmorph.json'), formatExperiment(exp));
  const r = runCli(['fit', '--experiment', path.join(dir, 'e.flowmorph.json'), '--out', path.join(dir, 'm'), '--steps', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'm', 'model.json'), 'utf8'));
  assert.deepEqual([meta.columns, meta.conditionColumns], [['px', 'py'], ['mjj']]);
});
