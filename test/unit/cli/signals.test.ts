// SIGINT / SIGTERM / SIGHUP during training (issue #11, item 12): the CLI finishes the step, writes a
// checkpoint and the partial model or run, says where, and exits 130 / 143 / 129; the saved model loads
// with the checkpoint's step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../../src/core/tf';
import { loadRun } from '../../../src/jobs/evaluate';
import { loadModel } from '../../../src/jobs/model-io';

const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-sig-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const TINY = ['--stacks', '1', '--blocks', '1', '--hidden', '8', '--bins', '4', '--batch', '64'];
const at = (p: string) => path.join(dir, p);

/** Runs the CLI, sends `signal` once stderr shows `when`, and returns the exit code and stderr. */
function interrupt(args: string[], signal: NodeJS.Signals, when: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FLOWMORPH_BACKEND: 'wasm' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    p.stderr.on('data', (b) => {
      stderr += b;
      if (!sent && when.test(stderr)) {
        sent = true;
        p.kill(signal);
      }
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

before(async () => {
  await initBackend('wasm');
  fs.writeFileSync(at('d.csv'), ['a,b', ...Array.from({ length: 400 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)}`)].join('\n') + '\n');
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`fit stopped by ${signal}: exit ${code}, partial model and checkpoint saved and named`, async () => {
    const out = at(`m-${signal}`);
    const r = await interrupt(['fit', at('d.csv'), '--out', out, '--seconds', '60', ...TINY], signal, /\[fit\] step \d+/);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`interrupted by ${signal}; the partial model and a checkpoint are saved in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const m = loadModel(out);
    assert.ok(m.meta.training.steps > 0);
    m.flow.dispose();
    const ck = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8'));
    assert.equal(ck.step, m.meta.training.steps);
  });
}

test('morph stopped by SIGTERM while the top flow trains: exit 143, the partial run loads', async () => {
  const out = at('run');
  const r = await interrupt(['morph', '--source', at('d.csv'), '--target', at('d.csv'), '--out', out, '--seconds', '60', '--base-steps', '20', ...TINY, '--base-stacks', '1', '--base-blocks', '1', '--base-hidden', '8', '--base-bins', '4', '--base-batch', '64'], 'SIGTERM', /\[morph\] step \d+/);
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /interrupted by SIGTERM; the partial run and a checkpoint are saved in /);
  const run = loadRun(out);
  assert.ok(run.meta.training.steps > 0);
  run.f4f.dispose();
});
