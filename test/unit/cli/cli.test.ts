// The CLI end to end, as a user runs it (child processes, --json): generate → fit → morph → evaluate →
// transport → score on small toys and tiny networks; bad arguments; nothing half-written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_OT } from '../../../src/core/config';
import { generateToy } from '../../../src/data/toys';
import { noisyNote } from '../../../src/jobs/evaluate';
import { writeCsv, writeHdf5, writeJson, writeNpy } from '../../../src/data/write';
import { npyFile, zipFile } from '../data/builders';
import { BUNDLED_CLI, CLI, runCli } from './runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-cli-'));
const TINY = ['--stacks', '1', '--blocks', '1', '--hidden', '16', '--bins', '4'];
const TINY_BASE = ['--base-stacks', '1', '--base-blocks', '1', '--base-hidden', '16', '--base-bins', '4'];

const cli = (...args: string[]) => runCli(args);
const cliAt = (entry: string, ...args: string[]) => runCli(args, { entry });

const at = (p: string) => path.join(dir, p);

function noTempFiles(d: string): void {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    assert.ok(!e.name.endsWith('.tmp'), `left a temp file ${e.name} in ${d}`);
    if (e.isDirectory()) noTempFiles(path.join(d, e.name));
  }
}

test('generate writes a toy dataset', () => {
  const r = cli('generate', 'fourcircles', '--n', '3000', '--seed', '1', '--out', at('fc.csv'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.rows, 3000);
  const lines = fs.readFileSync(at('fc.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 3001);
  assert.equal(cli('generate', 'checkerboard', '--n', '3000', '--out', at('cb.npy'), '--json').code, 0);
});

test('fit trains a base flow and saves it; score reads it back with the same NLL', () => {
  const r = cli('fit', at('cb.npy'), '--out', at('model'), '--steps', '30', '--batch', '256', ...TINY, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.steps, 30);
  assert.equal(r.json.backend, 'wasm');
  assert.ok(Number.isFinite(r.json.valNll) && Number.isFinite(r.json.trainNll));
  // minmax preprocessing puts training data in [−3, 3], inside the bound 4: held-out rows stay inside too.
  assert.deepEqual(r.json.outsideBound, [0, 0]);
  assert.ok(fs.existsSync(at('model/model.json')) && fs.existsSync(at('model/weights.bin')));
  const s = cli('score', at('model'), at('cb.npy'), '--out', at('logp.csv'), '--json');
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.json.rows, 3000);
  const lp = fs.readFileSync(at('logp.csv'), 'utf8').trim().split('\n').slice(1).map(Number);
  assert.equal(lp.length, 3000);
  const mean = -lp.reduce((a, b) => a + b, 0) / lp.length;
  assert.ok(Math.abs(mean - s.json.nll) < 1e-3);
  noTempFiles(at('model'));
});

test('morph trains missing base flows, the morph, and evaluates it; evaluate and transport reuse the run', () => {
  const r = cli(
    'morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('run'),
    '--steps', '20', '--batch', '256', '--base-steps', '20', '--base-batch', '256', ...TINY, ...TINY_BASE,
    '--method', 'f4f', '--penalty', 'l1:0.5', '--anneal', '--direction', 'both', '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.steps, 20);
  const ev = r.json.evaluation;
  assert.ok(ev.ot.w1 > 0 && ev.ot.w2sq > 0);
  assert.ok(ev.morph.fidelity.slicedW1Floor > 0);
  assert.ok(ev.baseTransfer.displacement.meanL2 > 0);
  for (const f of ['run.json', 'top.bin', 'source/model.json', 'target/model.json']) assert.ok(fs.existsSync(at(`run/${f}`)), f);
  const e = cli('evaluate', at('run'), '--source', at('fc.csv'), '--target', at('cb.npy'), '--n', '300', '--json');
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.json.n, 300);
  // Fewer than 1 000 rows: the summary says plainly that the estimate is noisy, and why.
  assert.equal(e.json.noisy, noisyNote(300));
  assert.match(e.json.noisy, /^noisy estimate: evaluated on only 300 held-out rows \(fewer than 1000\)/);
  assert.equal(ev.n, 300, 'the morph evaluated its 300 held-out rows (3 000 · 0.1)');
  assert.equal(ev.noisy, noisyNote(300));
  const t = cli('transport', at('run'), at('fc.csv'), '--out', at('morphed.npy'), '--json');
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.json.rows, 3000);
  assert.ok(fs.statSync(at('morphed.npy')).size > 3000 * 2 * 4);
  noTempFiles(dir);
});

test('the OT methods (ot-cfm, ot-f4f) run from the CLI and transport both ways; bad OT settings are refused', () => {
  for (const method of ['ot-cfm', 'ot-f4f']) {
    const out = at(`run-${method ?? 'default'}`);
    const r = cli(
      'morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', out, ...(method ? ['--method', method] : []),
      '--steps', '6', '--batch', '128', '--ot-block', '64', '--base-steps', '4', '--base-batch', '256', ...TINY, ...TINY_BASE, '--json',
      // ot-cfm pairs in rounds: 128 rows per side (in blocks of 64) serve 3 steps each.
      ...(method === 'ot-cfm' ? ['--ot-pairing-steps', '3'] : []),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.steps, 6);
    const ot = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).config.ot;
    assert.deepEqual([ot.block, ot.pairingSteps], [64, method === 'ot-cfm' ? 3 : DEFAULT_OT.pairingSteps]);
    const t = cli('transport', out, at('cb.npy'), '--inverse', '--out', at(`back-${method ?? 'default'}.npy`), '--json');
    assert.equal(t.code, 0, t.stderr);
  }
  const big = cli('morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--ot-block', '5000', '--steps', '1', '--base-steps', '1', '--json');
  // The rule table bounds the block at MAX_OT_PAIRING (4096): a flag error; the engine's own refusal, with
  // the cost matrix's size, is in ot-morph.test.ts.
  assert.equal(big.code, 2);
  assert.match(big.stderr, /--ot-block.*4096/);
  const rounds = cli('morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--ot-pairing-steps', '0', '--steps', '1', '--base-steps', '1');
  assert.equal(rounds.code, 2);
  assert.match(rounds.stderr, /--ot-pairing-steps/);
  const space = cli('morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--ot-space', 'noise', '--steps', '1', '--base-steps', '1');
  assert.equal(space.code, 2);
  assert.match(space.stderr, /--ot-space.*data, latent.*noise/);
  const pen = cli('morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--method', 'ot-cfm', '--penalty', 'l2:1', '--steps', '1', '--base-steps', '1');
  assert.match(pen.stderr, /ot-cfm takes no movement penalty/);
  const bad = cli('morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--method', 'flowmatch');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--method/);
});

test('bad arguments: one line on stderr, exit code 2, nothing written', () => {
  const cases: string[][] = [
    ['fit', at('cb.npy'), '--out', at('bad'), '--steps', 'ten'],
    ['fit', at('cb.npy'), '--out', at('bad'), '--stepz', '10'],
    ['morph', '--source', at('fc.csv'), '--out', at('bad')],
    ['morph', '--source', at('fc.csv'), '--target', at('cb.npy'), '--out', at('bad'), '--penalty', 'l3:1'],
    ['frobnicate'],
    ['generate', 'nosuchtoy', '--out', at('bad.csv')],
  ];
  for (const c of cases) {
    const r = cli(...c);
    assert.equal(r.code, 2, `${c.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!fs.existsSync(at('bad')) && !fs.existsSync(at('bad.csv')));
});

test('a missing input file is a one-line error naming it, exit code 1', () => {
  const r = cli('fit', at('nope.csv'), '--out', at('bad'), '--steps', '5');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope\.csv/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

async function everyFormat(entry: string, sub: string): Promise<void> {
  // One toy, written in each format; a 2-step fit on each, then a morph between two formats and a
  // transport of a third through it.
  const run = (...args: string[]) => cliAt(entry, ...args);
  const m = generateToy('fourcircles', 600, 3).features;
  const f = (n: string) => at(`${sub}/${n}`);
  fs.mkdirSync(at(sub), { recursive: true });
  writeCsv(f('d.csv'), m);
  fs.writeFileSync(f('d.tsv'), fs.readFileSync(f('d.csv'), 'utf8').replace(/,/g, '\t'));
  writeNpy(f('d.npy'), m);
  const payload = new Uint8Array(m.data.buffer.slice(0));
  fs.writeFileSync(f('d.npz'), zipFile([{ name: 'x.npy', data: npyFile(`{'descr': '<f4', 'fortran_order': False, 'shape': (600, 2), }`, payload), deflate: true }]));
  writeJson(f('d.json'), m);
  await writeHdf5(f('d.h5'), m);
  const hw = (await import('hyparquet-writer' as string)) as { parquetWriteBuffer(o: { columnData: { name: string; data: Float64Array; type: string }[] }): ArrayBuffer };
  const col = (j: number) => Float64Array.from({ length: 600 }, (_, i) => m.data[i * 2 + j]);
  fs.writeFileSync(f('d.parquet'), new Uint8Array(hw.parquetWriteBuffer({ columnData: [{ name: 'x0', data: col(0), type: 'DOUBLE' }, { name: 'x1', data: col(1), type: 'DOUBLE' }] })));
  for (const ext of ['csv', 'tsv', 'npy', 'npz', 'json', 'h5', 'parquet']) {
    const r = run('fit', f(`d.${ext}`), '--out', f(`model-${ext}`), '--steps', '2', '--batch', '128', ...TINY, '--json');
    assert.equal(r.code, 0, `${ext}: ${r.stderr}`);
    assert.ok(Number.isFinite(r.json.valNll), ext);
  }
  const mo = run('morph', '--source', f('d.parquet'), '--target', f('d.h5'), '--out', f('run'), '--steps', '2', '--base-steps', '2', '--batch', '128', '--base-batch', '128', ...TINY, ...TINY_BASE, '--json');
  assert.equal(mo.code, 0, mo.stderr);
  const tr = run('transport', f('run'), f('d.npz'), '--out', f('out.json'), '--json');
  assert.equal(tr.code, 0, tr.stderr);
  assert.equal(tr.json.rows, 600);
  // The HDF5 writer through the same entry point.
  const g = run('generate', 'crescent', '--n', '300', '--out', f('gen.h5'), '--json');
  assert.equal(g.code, 0, g.stderr);
  assert.equal(g.json.rows, 300);
}

test('fit, morph and transport accept every dataset format (csv, tsv, npy, npz, json, h5, parquet)', () => everyFormat(CLI, 'fmt'));

test('the bundled CLI (dist/cli.js, what ships) reads and writes every dataset format', () => {
  assert.ok(fs.existsSync(BUNDLED_CLI), `${BUNDLED_CLI} is missing: npm run build`);
  return everyFormat(BUNDLED_CLI, 'fmt-dist');
});

test('--help prints the usage text (USAGE), from the tsc build and from the bundle that ships', async () => {
  const { USAGE } = await import('../../../src/cli/main.js');
  assert.match(USAGE, /^flowmorph — the headless CLI[\s\S]*flowmorph transport RUN_DIR DATA --out FILE/);
  for (const entry of [CLI, BUNDLED_CLI]) {
    const r = cliAt(entry, '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, USAGE, entry);
  }
});

test('jobs refuse a dataset outside the workspace root when one is set (as the extension does)', async () => {
  const { loadData } = await import('../../../src/jobs/data.js');
  const inside = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-ws-'));
  await assert.rejects(loadData({ path: at('fc.csv'), workspaceRoot: inside }), /outside the workspace/);
  const ok = await loadData({ path: at('fc.csv') });
  assert.equal(ok.features.rows, 3000);
});

test('generate writes every toy, and the conditional wrappers add their condition columns', () => {
  const { toyNames } = require('../../../src/data/toys');
  for (const name of toyNames() as string[]) {
    const r = cli('generate', name, '--n', '200', '--out', at(`toys/${name}.csv`), '--json');
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.json.rows, 200);
  }
  for (const [cond, cols] of [['rotation', 3], ['radial', 3], ['ellipse', 4]] as const) {
    const r = cli('generate', 'checkerboard', '--n', '100', '--condition', cond, '--out', at(`toys/cb-${cond}.csv`), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.columns.length, cols, `${cond}: ${r.json.columns}`);
  }
});

test('morph in context mode none refuses a conditional base model by name, before training (exit 1)', () => {
  assert.equal(cli('generate', 'checkerboard', '--n', '600', '--condition', 'rotation', '--out', at('cond.csv'), '--json').code, 0);
  const fit = cli('fit', at('cond.csv'), '--condition-columns', 'c0', '--out', at('cond-model'), '--steps', '2', '--batch', '128', ...TINY, '--json');
  assert.equal(fit.code, 0, fit.stderr);
  const r = cli(
    'morph', '--source', at('cond.csv'), '--target', at('cond.csv'), '--condition-columns', 'c0', '--mode', 'none',
    '--source-model', at('cond-model'), '--target-model', at('cond-model'), '--out', at('cond-run'), '--steps', '2', ...TINY,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cond-model[\\/]model\.json: the source model is conditional \(1 condition column\(s\)\), but context mode 'none'/);
  assert.ok(!fs.existsSync(at('cond-run/run.json')), 'no run written');
});
