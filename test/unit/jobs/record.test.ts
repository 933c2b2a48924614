// A run folder is a record (issue #12): resolved configuration, version, backend, seeds, workspace-relative
// data paths, curves, evaluation; a step budget with a seed reproduces the weights bit for bit; a seconds
// budget records the steps it took and says how to replay them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveWith } from '../../../src/config/experiment';
import { initBackend } from '../../../src/core/tf';
import { writeCsv } from '../../../src/data/write';
import { generateToy } from '../../../src/data/toys';
import { runFit } from '../../../src/jobs/fit';
import { runMorph } from '../../../src/jobs/morph';

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-record-'));
const TINY = { stacks: 1, blocks: 1, hidden: 8, bins: 4 };
const at = (p: string) => path.join(ws, p);
const bytes = (p: string) => fs.readFileSync(p);
const lines = (p: string) => fs.readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('setup', async () => {
  await initBackend('wasm');
  fs.mkdirSync(at('data'));
  writeCsv(at('data/fc.csv'), generateToy('fourcircles', 1200, 1).features);
  writeCsv(at('data/cb.csv'), generateToy('checkerboard', 1200, 2).features);
});

const morphConfig = () =>
  resolveWith({
    base: { flow: TINY, train: { steps: 6, batch: 128, seed: 3 } },
    // f4f with an annealed penalty (the default method, ot-cfm, takes no penalty and has no top flow).
    morph: { method: 'f4f', top: TINY, direction: 'both', penalty: { kind: 'l1', weight: 0.5, anneal: true }, train: { steps: 5, batch: 128, seed: 4 } },
  });

async function morph(out: string) {
  const r = morphConfig();
  return runMorph({ source: { path: at('data/fc.csv'), workspaceRoot: ws }, target: { path: at('data/cb.csv'), workspaceRoot: ws }, out, ...r, backend: 'wasm' }, { plotPoints: 64 });
}

test('a step budget and a seed give bit-identical weights, base flows and morph, run after run', async () => {
  const a = await morph(at('runs/a'));
  const b = await morph(at('runs/b'));
  assert.equal(a.steps, 5);
  for (const f of ['top.bin', 'source/weights.bin', 'target/weights.bin']) {
    assert.ok(bytes(at(`runs/a/${f}`)).equals(bytes(at(`runs/b/${f}`))), `${f} differs between two identical runs`);
  }
  assert.deepEqual(a.evaluation, b.evaluation);
  const fa = await runFit({ data: { path: at('data/cb.csv') }, out: at('fit-a'), ...resolveWith({ base: { flow: TINY, train: { steps: 7, seed: 9 } } }).base, backend: 'wasm' });
  const fb = await runFit({ data: { path: at('data/cb.csv') }, out: at('fit-b'), ...resolveWith({ base: { flow: TINY, train: { steps: 7, seed: 9 } } }).base, backend: 'wasm' });
  assert.equal(fa.valNll, fb.valNll);
  assert.ok(bytes(at('fit-a/weights.bin')).equals(bytes(at('fit-b/weights.bin'))));
  assert.equal(fa.replay, undefined);
});

test('the run folder records the resolved configuration, version, backend, seeds, data paths, curves and evaluation', () => {
  const rec = JSON.parse(fs.readFileSync(at('runs/a/record.json'), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8'));
  assert.equal(rec.format, 'flowmorph-record');
  assert.equal(rec.kind, 'morph');
  assert.equal(rec.flowmorph, pkg.version);
  assert.equal(rec.backend.name, 'wasm');
  assert.ok(rec.backend.kernelThreads >= 1);
  assert.deepEqual(rec.config, JSON.parse(JSON.stringify(morphConfig())));
  assert.deepEqual(rec.seeds, { sourceBase: 3, targetBase: 4, morph: 4, sourceSplit: 4, targetSplit: 5 });
  assert.deepEqual(rec.data, { source: { path: 'data/fc.csv' }, target: { path: 'data/cb.csv' } });
  assert.deepEqual(rec.trained.morph, { budget: { key: 'steps', value: 5 }, steps: 5, seconds: rec.trained.morph.seconds, cancelled: false });
  assert.equal(rec.trained.source.steps, 6);
  assert.equal(rec.replay, undefined);
  const curves = lines(at('runs/a/curves.jsonl'));
  assert.deepEqual(
    curves.map((c) => `${c.phase}:${c.step}`),
    [...[1, 2, 3, 4, 5, 6].map((s) => `source:${s}`), ...[1, 2, 3, 4, 5, 6].map((s) => `target:${s}`), ...[1, 2, 3, 4, 5].map((s) => `morph:${s}`)],
  );
  assert.ok(curves.every((c) => Number.isFinite(c.loss) && Number.isFinite(c.lr)));
  assert.ok(curves.some((c) => c.phase === 'morph' && typeof c.displacement === 'number'));
  const ev = JSON.parse(fs.readFileSync(at('runs/a/evaluation.json'), 'utf8'));
  assert.ok(ev.ot.w1 > 0 && ev.morph.displacement.meanL2 >= 0);
});

test('a seconds budget records the steps it took, and the summary says to replay them with --steps', async () => {
  const r = resolveWith({ base: { flow: TINY, train: { seconds: 0.5, batch: 128 } } });
  const s = await runFit({ data: { path: at('data/fc.csv') }, out: at('fit-clock'), ...r.base, backend: 'wasm' });
  assert.ok(s.replay, 'no replay note');
  assert.equal(s.replay.steps['the base flow'], s.steps);
  assert.match(s.replay.note, new RegExp(`seconds budget.*not reproducible.*--steps ${s.steps}$`));
  const rec = JSON.parse(fs.readFileSync(at('fit-clock/record.json'), 'utf8'));
  assert.deepEqual(rec.replay, s.replay);
  assert.deepEqual(rec.trained.base.budget, { key: 'seconds', value: 0.5 });
  assert.equal(rec.trained.base.steps, s.steps);
  assert.equal(lines(at('fit-clock/curves.jsonl')).length, s.steps);
});
