// `flowmorph transport` on a conditional run: the condition columns come from the run's run.json (as
// `score` takes them from model.json), so a user need not pass --condition-columns again; Parquet output.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readDataset } from '../../../src/data/read';
import { runCli } from './runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-transport-cond-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (p: string) => path.join(dir, p);
const TINY = ['--stacks', '1', '--blocks', '1', '--hidden', '8', '--bins', '4'];
const TINY_BASE = ['--base-stacks', '1', '--base-blocks', '1', '--base-hidden', '8', '--base-bins', '4'];

const cli = (...args: string[]) => runCli([...args, '--json']);

test('transport takes a conditional run\'s condition columns from run.json and writes Parquet', async () => {
  for (const [toy, file] of [['fourcircles', 's.csv'], ['checkerboard', 't.parquet']]) {
    const g = cli('generate', toy, '--n', '400', '--condition', 'rotation', '--out', at(file));
    assert.equal(g.code, 0, g.stderr);
  }
  const cond = cli('generate', 'fourcircles', '--n', '5', '--condition', 'rotation', '--out', at('probe.csv')).json.columns.at(-1) as string;
  const m = cli('morph', '--source', at('s.csv'), '--target', at('t.parquet'), '--condition-columns', cond, '--mode', 'delta', '--out', at('run'),
    '--steps', '3', '--base-steps', '3', '--batch', '128', '--base-batch', '128', ...TINY, ...TINY_BASE);
  assert.equal(m.code, 0, m.stderr);
  // No --condition-columns: before, the 3-column file was refused ("has 3 feature column(s); the run morphs 2").
  const t = cli('transport', at('run'), at('s.csv'), '--out', at('moved.parquet'), '--target-condition', '0.5');
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.json.rows, 400);
  const out = await readDataset(at('moved.parquet'));
  assert.deepEqual(out.features.columns, ['x0', 'x1'], 'the morphed columns keep their names');
  assert.equal(out.features.rows, 400);
  // The same with the columns given explicitly gives the same rows.
  const e = cli('transport', at('run'), at('s.csv'), '--condition-columns', cond, '--out', at('moved-explicit.parquet'), '--target-condition', '0.5');
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual((await readDataset(at('moved-explicit.parquet'))).features.data, out.features.data);
});
