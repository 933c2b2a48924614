// The CLI speaks the experiment schema (issue #12 "one configuration, one truth", #11 item 9): an
// experiment file with flags on top resolves as the extension resolves it; every flag's limits are the
// rule table's; architecture sizes have upper bounds and a memory estimate, in the CLI and in model.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { architectureProblem, memoryEstimate, parameterCount, resolveWith, validateExperiment, type Experiment } from '../../../src/config/experiment';
import { PRESETS, REFERENCE_FLOW } from '../../../src/core/config';
import { runCli } from '../cli/runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-cli-config-'));
const at = (p: string) => path.join(dir, p);

const cli = (...args: string[]) => runCli(args);

test('parameterCount is exact for the reference architecture (289 464 on 2 features)', () => {
  assert.equal(parameterCount({ ...REFERENCE_FLOW, features: 2, context: 0 }), 289464);
  const m = memoryEstimate({ ...REFERENCE_FLOW, features: 2, context: 0 }, 512);
  assert.ok(m.bytes < 64 * 2 ** 20, `${m.bytes}`);
  assert.equal(architectureProblem({ ...REFERENCE_FLOW, features: 2, context: 0 }, 512), undefined);
  const huge = architectureProblem({ ...REFERENCE_FLOW, hidden: 4096, blocks: 32, stacks: 64, features: 2, context: 0 }, 512);
  assert.match(huge ?? '', /needs about .* GiB .* limit/);
});

test('flags override the experiment file, and a flag budget replaces the file budget (budget rule)', () => {
  const exp: Experiment = {
    version: 1,
    source: { path: 'toy:fourcircles:600:1' },
    base: { preset: 'reference', flow: { stacks: 1, blocks: 1, hidden: 8, bins: 4 }, train: { epochs: 3, batch: 64 } },
    morph: { top: {}, penalty: {}, train: {} },
  };
  fs.writeFileSync(at('a.flowmorph.json'), JSON.stringify(exp));
  // No DATA: the experiment's source; the file's base settings; --steps replaces its epochs.
  const r = cli('fit', '--experiment', at('a.flowmorph.json'), '--out', at('m'), '--steps', '3', '--hidden', '12', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.steps, 3);
  const meta = JSON.parse(fs.readFileSync(at('m/model.json'), 'utf8'));
  assert.equal(meta.config.hidden, 12);
  assert.equal(meta.config.stacks, 1);
  assert.equal(meta.training.batch, 64);
  assert.equal(meta.training.lr, PRESETS.reference.train.lr);
  // The same resolution the extension's controller does (src/host/controller.ts).
  const same = resolveWith({ base: { flow: { hidden: 12 }, train: { steps: 3 } } }, validateExperiment(exp).experiment!);
  const { epochs: _dropped, ...rest } = PRESETS.reference.train;
  assert.deepEqual(same.base.train, { ...rest, batch: 64, steps: 3 });
});

test('flag limits are the rule table\'s, and oversized architectures are refused at once with a message', () => {
  const base = ['fit', 'toy:fourcircles:600:1', '--out', at('bad'), '--steps', '2'];
  const cases: [string[], RegExp][] = [
    [['--blocks', '0'], /--blocks: expected an integer in \[1, 32\], got 0/],
    [['--bins', '100000000'], /--bins: expected an integer in \[2, 256\]/],
    [['--bins', '1'], /--bins: expected an integer in \[2, 256\]/],
    [['--stacks', '100000'], /--stacks: expected an integer in \[1, 64\]/],
    [['--hidden', '1e8'], /--hidden: expected an integer in \[1, 4096\]/],
    [['--epochs', '0.5'], /--epochs: expected an integer/],
    [['--seconds', '0'], /--seconds: expected a number in \(0/],
    [['--seconds', '5', '--epochs', '2'], /one budget/],
  ];
  for (const [extra, re] of cases) {
    const r = cli(...base.slice(0, 4), ...(extra.some((e) => ['--epochs', '--seconds'].includes(e)) ? [] : base.slice(4)), ...extra);
    assert.equal(r.code, 2, `${extra.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const m = cli('morph', '--source', 'toy:fourcircles:600:1', '--target', 'toy:checkerboard:600:2', '--out', at('bad'), '--iterate-epochs', '0.01');
  assert.equal(m.code, 2, m.stderr);
  assert.match(m.stderr, /--iterate-epochs: expected an integer in \[1,/);
  // Each size within bounds, the whole too large: refused before any allocation, in well under a minute.
  const big = cli(...base, '--hidden', '4096', '--blocks', '32', '--stacks', '64');
  assert.equal(big.code, 1, big.stderr);
  assert.match(big.stderr, /flow: 64 stacks × 32 blocks × 4096 hidden .* needs about [\d.]+ GiB/);
  assert.ok(big.ms < 30_000, `${big.ms} ms`);
  assert.ok(!fs.existsSync(at('bad')));
});

test('a model.json with an oversized or malformed architecture is refused on load, naming the file', () => {
  const r = cli('fit', 'toy:fourcircles:600:1', '--out', at('small'), '--steps', '2', '--stacks', '1', '--blocks', '1', '--hidden', '8', '--bins', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  const meta = JSON.parse(fs.readFileSync(at('small/model.json'), 'utf8'));
  for (const [k, v, re] of [['bins', 100000000, /config\.bins: expected an integer in \[2, 256\]/], ['stacks', 100000, /config\.stacks/], ['hidden', 4096, /needs about/]] as const) {
    const d = at(`bad-${k}`);
    fs.mkdirSync(d, { recursive: true });
    fs.copyFileSync(at('small/weights.bin'), path.join(d, 'weights.bin'));
    const cfg = k === 'hidden' ? { ...meta.config, hidden: 4096, blocks: 32, stacks: 64 } : { ...meta.config, [k]: v };
    fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify({ ...meta, config: cfg }));
    const s = cli('score', d, 'toy:fourcircles:600:1', '--json');
    assert.equal(s.code, 1, s.stderr);
    assert.match(s.stderr, re);
    assert.match(s.stderr, /model\.json/);
  }
});

test('morph --experiment: the file names the datasets (relative to it); --columns overrides its columns, a side flag wins', () => {
  fs.mkdirSync(at('m'), { recursive: true });
  const g = (toy: string, out: string) => assert.equal(cli('generate', toy, '--n', '800', '--out', at(out), '--json').code, 0);
  g('fourcircles', 'm/fc.csv');
  g('checkerboard', 'm/cb.csv');
  const tiny = { stacks: 1, blocks: 1, hidden: 8, bins: 4 };
  fs.writeFileSync(
    at('m/e.flowmorph.json'),
    JSON.stringify({ version: 1, source: { path: 'fc.csv', columns: ['x0'] }, target: { path: 'cb.csv', columns: ['x0'] }, base: { flow: tiny, train: { steps: 2 } }, morph: { top: tiny, train: { steps: 2 } } }),
  );
  const a = cli('morph', '--experiment', at('m/e.flowmorph.json'), '--out', at('m/r1'), '--json');
  assert.equal(a.code, 0, a.stderr);
  const b = cli('morph', '--experiment', at('m/e.flowmorph.json'), '--out', at('m/r2'), '--columns', 'x0,x1', '--target-columns', 'x1,x0', '--json');
  assert.equal(b.code, 0, b.stderr);
  const cols = (run: string) => {
    const d = JSON.parse(fs.readFileSync(at(`m/${run}/record.json`), 'utf8')).data;
    return [d.source.columns, d.target.columns];
  };
  assert.deepEqual(cols('r1'), [['x0'], ['x0']]);
  assert.deepEqual(cols('r2'), [['x0', 'x1'], ['x1', 'x0']]);
});
