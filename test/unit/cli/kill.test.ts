// The kill test of issue #11: `fit` and `morph` are killed (SIGKILL) at random points, over and over, into
// the same model and run folders, half the time with FLOWMORPH_TEST_PAUSE_MS pausing between the writes
// of every pair (weights / JSON, checkpoint bin / JSON) so that kills land in the rename gaps. After every
// kill, every model and run folder that has its JSON must load, its weights must be the ones its JSON
// names (hash), and it must give finite log densities; a last run to completion must leave no temp file.
// FLOWMORPH_KILLS sets the number of kills (default 50).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../../src/core/random';
import { initBackend } from '../../../src/core/tf';
import { loadRun } from '../../../src/jobs/evaluate';
import { loadModel } from '../../../src/jobs/model-io';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-kill-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const KILLS = Number(process.env.FLOWMORPH_KILLS ?? 50);
const TINY = ['--stacks', '1', '--blocks', '1', '--hidden', '8', '--bins', '4', '--batch', '64'];
const TINY_BASE = ['--base-stacks', '1', '--base-blocks', '1', '--base-hidden', '8', '--base-bins', '4', '--base-batch', '64'];
const at = (p: string) => path.join(dir, p);

/** Runs the CLI; kills it after `killAfterMs`, or at the `killAtGap`-th pause between a pair's two writes. */
function run(args: string[], env: Record<string, string>, killAfterMs?: number, killAtGap?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [CLI, ...args, '--quiet'], { env: { ...process.env, FLOWMORPH_BACKEND: 'wasm', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (b) => {
      stderr += b;
      if (killAtGap !== undefined && (stderr.match(/flowmorph-test: gap between /g) ?? []).length >= killAtGap) p.kill('SIGKILL');
    });
    const timer = killAfterMs !== undefined ? setTimeout(() => p.kill('SIGKILL'), killAfterMs) : undefined;
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0, stderr });
    });
  });
}

const rows = (n: number, f: (i: number) => string) => ['x0,x1', ...Array.from({ length: n }, (_, i) => f(i))].join('\n') + '\n';
const probe = new Float32Array([0.1, 0.2, -0.3, 0.4, 0.5, -0.6]);

/** Every model folder with a model.json loads, matches its own weights and gives finite densities. */
function checkModel(m: string): boolean {
  if (!fs.existsSync(path.join(m, 'model.json'))) return false;
  const { flow } = loadModel(m); // throws when weights and JSON do not belong together
  const lp = flow.logProb(probe);
  assert.ok(Array.from(lp).every(Number.isFinite), `${m}: finite log densities`);
  flow.dispose();
  return true;
}

function checkRun(r: string): boolean {
  if (!fs.existsSync(path.join(r, 'run.json'))) return false;
  const run = loadRun(r);
  run.f4f.dispose();
  run.source.flow.dispose();
  run.target.flow.dispose();
  return true;
}

/** True when the JSON's weights are not the current file (a save was cut between its renames). */
function cutPair(d: string, json: string, bin: string, key: string): boolean {
  if (!fs.existsSync(path.join(d, json)) || !fs.existsSync(path.join(d, bin))) return false;
  const want = JSON.parse(fs.readFileSync(path.join(d, json), 'utf8'))[key];
  return want !== undefined && createHash('sha256').update(fs.readFileSync(path.join(d, bin))).digest('hex') !== want;
}

function tempFiles(d: string): string[] {
  if (!fs.existsSync(d)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...tempFiles(path.join(d, e.name)));
    else if (e.name.endsWith('.tmp')) out.push(path.join(d, e.name));
  }
  return out;
}

before(async () => {
  await initBackend('wasm');
  fs.writeFileSync(at('d.csv'), rows(400, (i) => `${Math.sin(i)},${Math.cos(3 * i) + i / 400}`));
  fs.writeFileSync(at('e.csv'), rows(400, (i) => `${Math.cos(i) * 2},${Math.sin(5 * i) - i / 300}`));
});

test(`kill test: ${KILLS} kills at random points of fit and morph; every model and run still loads and matches its weights`, async () => {
  const rng = new Rng(20261203);
  const fitArgs = (data: string) => ['fit', at(data), '--out', at('M'), '--steps', '30', ...TINY];
  const morphArgs = () => ['morph', '--source', at('d.csv'), '--target', at('e.csv'), '--out', at('R'), '--steps', '20', '--base-steps', '20', ...TINY, ...TINY_BASE];
  // Full runs first: they leave a model and a run to be replaced, and time a run (to aim the kills).
  const full = [await run(fitArgs('d.csv'), {}), await run(morphArgs(), {})];
  for (const r of full) assert.equal(r.code, 0, r.stderr);
  const stats = { kills: 0, gapKills: 0, runs: 0, finishedFirst: 0, cutPairs: 0, insidePair: 0, leftTemps: 0, modelsLoaded: 0, runsLoaded: 0, noRunJson: 0 };
  // Aim each kill at a random point of the run, from the last uninterrupted run's duration (the machine
  // may be shared: durations drift); go on until KILLS runs were really killed.
  const expected = { fit: full[0].ms, morph: full[1].ms };
  for (let i = 0; stats.kills < KILLS && i < 3 * KILLS; i++) {
    const kind = i % 2 === 1 ? 'morph' : 'fit';
    const pause = rng.uniform() < 0.5 ? Math.round(40 + 160 * rng.uniform()) : 0;
    const span = expected[kind] + 6 * pause;
    const killAt = Math.round(150 + span * Math.sqrt(rng.uniform()));
    // Half of the paused runs are killed in the gap between the weights and the JSON of a pair (the
    // n-th such gap: fit has 2, a checkpoint and the model; morph 6); the others at a random time.
    const gap = pause > 0 && rng.uniform() < 0.5 ? 1 + Math.floor(rng.uniform() * (kind === 'morph' ? 6 : 2)) : undefined;
    const r = await run(kind === 'morph' ? morphArgs() : fitArgs(i % 4 === 0 ? 'e.csv' : 'd.csv'), { FLOWMORPH_TEST_PAUSE_MS: String(pause) }, gap === undefined ? killAt : undefined, gap);
    stats.runs++;
    if (r.signal === 'SIGKILL' && gap !== undefined) stats.gapKills++;
    if (r.signal === 'SIGKILL') stats.kills++;
    else {
      assert.equal(r.code, 0, r.stderr);
      stats.finishedFirst++;
      if (pause === 0) expected[kind] = r.ms;
    }
    for (const d of [at('M'), at('R'), at('R/source'), at('R/target')]) {
      if (fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith('.prev'))) stats.insidePair++; // folder-checks with a .prev left
    }
    // Kills that cut a pair: a JSON whose weights are still the kept .prev (loaded from there below).
    const cut = [cutPair(at('M'), 'model.json', 'weights.bin', 'weightsSha256'), cutPair(at('R'), 'run.json', 'top.bin', 'topSha256')];
    for (const side of ['source', 'target']) cut.push(cutPair(at(`R/${side}`), 'model.json', 'weights.bin', 'weightsSha256'));
    for (const d of [at('M'), at('R'), at('R/source'), at('R/target')]) cut.push(cutPair(d, 'checkpoint.json', 'checkpoint.bin', 'sha256'));
    if (cut.some((c) => c)) stats.cutPairs++;
    stats.leftTemps += tempFiles(dir).length;
    if (checkModel(at('M'))) stats.modelsLoaded++;
    for (const side of ['source', 'target']) if (checkModel(at(`R/${side}`))) stats.modelsLoaded++;
    if (checkRun(at('R'))) stats.runsLoaded++;
    else stats.noRunJson++;
  }
  assert.equal(stats.kills, KILLS, `${KILLS} runs killed (${JSON.stringify(stats)})`);
  assert.ok(stats.cutPairs >= 5, `kills landed between the two writes of a pair (${JSON.stringify(stats)})`);
  // A last run of each to completion: it loads, and it cleans up the temp files killed runs leave
  // (planted here under the names the writer uses, with the id of a process that is gone).
  const planted = ['M/.weights.bin.999999-0.tmp', 'M/.checkpoint.bin.999999-3.tmp', 'R/.top.bin.999999-1.tmp', 'R/source/.model.json.999999-2.tmp'];
  for (const p of planted) fs.writeFileSync(at(p), 'left by a kill');
  for (const args of [fitArgs('d.csv'), morphArgs()]) {
    const r = await run(args, {});
    assert.equal(r.code, 0, r.stderr);
  }
  assert.ok(checkModel(at('M')) && checkRun(at('R')));
  assert.deepEqual(tempFiles(dir), []);
  process.stderr.write(`kill test: ${JSON.stringify({ ...stats, fullFitMs: full[0].ms, fullMorphMs: full[1].ms })}\n`);
});
