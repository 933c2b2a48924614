// python/flowmorph.py (numpy only) against what ships: tiny models and morph runs trained by the bundled
// CLI (dist/cli.js) with a steps budget, scored and transported by the CLI and by the Python reader under
// Debian's /usr/bin/python3 + python3-numpy; every value must agree within 1e-4.
// Covers MAF and coupling, reverse / random / LU-linear, with and without condition columns, base flows
// given to the morph or trained inside the run, context modes none / delta / concat / two-bases /
// two-bases-shared, both directions, and a target condition; morph methods f4f, ot-f4f and ot-cfm (the
// default: the velocity field integrated by RK4 both ways).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../../src/core/random';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const READER = path.join(ROOT, 'python');
const PYTHON = '/usr/bin/python3';
// Debian's python and nothing from the user's environment; no __pycache__ written into python/.
const PY_ENV = { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' };
const TOLERANCE = 1e-4;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-python-'));
const at = (p: string) => path.join(dir, p);
const COLS = ['--columns', 'a,b,c'];
const COND = ['--condition-columns', 'cond'];
const TINY = ['--stacks', '3', '--blocks', '1', '--hidden', '12', '--bins', '4'];

/** One CLI run (a child process, as a user runs it); resolves with its --json result. */
function cli(...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    // One thread per process: two run side by side, and the helper thread's polling only costs CPU here.
    const env = { ...process.env, FLOWMORPH_BACKEND: 'wasm', FLOWMORPH_GEMM_THREADS: '1' };
    const p = spawn(process.execPath, [CLI, ...args, '--json'], { env });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`flowmorph ${args.join(' ')}: exit ${code}\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string));
    });
  });
}

/** Run the jobs two at a time (the machine has two cores). */
async function pairs(jobs: (() => Promise<unknown>)[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((j) => j()));
}

/** 3 features a, b, c and one condition column, float32 values (so the CSV text is exact). */
function writeData(file: string, n: number, seed: number, shift: number): void {
  const rng = new Rng(seed);
  const lines = ['a,b,c,cond'];
  for (let i = 0; i < n; i++) {
    const c = rng.range(-1, 1);
    const z = [rng.normal(), rng.normal(), rng.normal()];
    const a = 1.5 * Math.tanh(z[0]) + shift + c;
    const b = z[1] + 0.5 * a * a - 0.5 * c;
    const d = Math.sin(2 * z[2]) + 0.3 * b + shift;
    lines.push([a, b, d, c].map((v) => String(Math.fround(v))).join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// Python: every case in one process; prints {name: [max |python − cli|, max |cli output − input| or null,
// the run's method, whether it has a density (null for a model)]} as JSON.
const COMPARE = `
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import flowmorph
cases = json.load(open(sys.argv[2]))
out = {}
for k in cases:
    a = np.loadtxt(k["data"], delimiter=",", skiprows=1, ndmin=2)
    x, c = a[:, :3], a[:, 3:4]
    m = flowmorph.load(k["dir"])
    if k["kind"] == "score":
        got = m.log_prob(x, c if m.conditions else None)
        want = np.load(k["out"]).reshape(-1)
    else:
        got = m.transport(x, c if m.conditions else None, target_c=k.get("target"), inverse=k["inverse"])
        want = np.load(k["out"])
    assert got.shape == want.shape, (k["name"], got.shape, want.shape)
    moved = float(np.max(np.abs(want - x))) if k["kind"] == "transport" else None
    out[k["name"]] = [float(np.max(np.abs(got - want))), moved, getattr(m, "method", None), getattr(m, "has_density", None)]
print(json.dumps(out))
`;

test('python/flowmorph.py matches flowmorph score and transport within 1e-4', { timeout: 300_000 }, async (t) => {
  const t0 = Date.now();
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build`);
  const probe = spawnSync(PYTHON, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8', env: PY_ENV });
  assert.equal(probe.status, 0, `${PYTHON} with numpy is needed (Debian: apt-get install python3-numpy; npm test installs it): ${probe.stderr}`);
  writeData(at('s.csv'), 500, 1, 0);
  writeData(at('t.csv'), 500, 2, 0.8);

  type Case = { name: string; kind: 'score' | 'transport'; dir: string; data: string; out: string; inverse?: boolean; target?: number[] };
  const cases: Case[] = [];
  const steps = ['--steps', '25', '--batch', '128'];

  // Base flows: every transform × permutation, conditions on every other one.
  const fits: [string, string, string, boolean][] = [
    ['maf-reverse', 'maf', 'reverse', false],
    ['maf-random-c', 'maf', 'random', true],
    ['maf-lu', 'maf', 'lu', false],
    ['coupling-reverse-c', 'coupling', 'reverse', true],
    ['coupling-random', 'coupling', 'random', false],
    ['coupling-lu-c', 'coupling', 'lu', true],
  ];
  await pairs(
    fits.map(([name, transform, permutation, cond]) => async () => {
      const c = cond ? COND : [];
      await cli('fit', at('s.csv'), ...COLS, ...c, '--out', at(name), ...steps, ...TINY, '--transform', transform, '--permutation', permutation);
      await cli('score', at(name), at('s.csv'), ...COLS, ...c, '--out', at(`${name}.npy`));
      cases.push({ name: `score ${name}`, kind: 'score', dir: at(name), data: at('s.csv'), out: at(`${name}.npy`) });
    }),
  );
  // Fields this reader does not know (a later version's additions) are ignored.
  fs.cpSync(at('maf-random-c'), at('extra-fields'), { recursive: true });
  const meta = JSON.parse(fs.readFileSync(at('extra-fields/model.json'), 'utf8'));
  Object.assign(meta, { weightsHash: 'sha256:0123', somethingNew: { a: [1, 2] } });
  meta.config.someOption = true;
  fs.writeFileSync(at('extra-fields/model.json'), JSON.stringify(meta));
  cases.push({ name: 'score maf-random-c, model.json with unknown fields', kind: 'score', dir: at('extra-fields'), data: at('s.csv'), out: at('maf-random-c.npy') });

  // A conditional target model for the morphs that are given their base flows (other preprocessing than
  // the source's: the run reads it through the affine map between the two).
  await cli('fit', at('t.csv'), ...COLS, ...COND, '--out', at('target-c'), ...steps, ...TINY, '--permutation', 'random');

  // Morph runs: [name, mode, top-flow flags, base flows given?]. The paper's flows for flows (a top flow)
  // in every mode; ot-cfm, the default (a velocity field integrated by RK4), unconditional, with both
  // conditions as its context (delta) and with the rows' own (two-bases-shared), also between the base
  // flows' noise (--ot-space latent), and without Fourier features of its input (--ot-fourier 0); ot-f4f
  // (a top flow).
  const given = ['--source-model', at('maf-random-c'), '--target-model', at('target-c')];
  const f4f = ['--method', 'f4f'];
  const runs: [string, string, string[], boolean][] = [
    ['none', 'none', [...f4f, '--permutation', 'random'], false],
    ['delta', 'delta', [...f4f, '--permutation', 'lu'], true],
    ['concat', 'concat', [...f4f, '--transform', 'coupling', '--no-identity-init'], true],
    ['two-bases', 'two-bases', [...f4f, '--permutation', 'reverse'], true],
    ['two-bases-shared', 'two-bases-shared', [...f4f, '--transform', 'coupling', '--permutation', 'random'], true],
    ['cfm-none', 'none', [], false],
    ['cfm-plain-none', 'none', ['--ot-fourier', '0'], false],
    ['cfm-delta', 'delta', ['--method', 'ot-cfm'], true],
    ['cfm-two-bases-shared', 'two-bases-shared', [], true],
    // ot.space latent: the field between the base flows' noise (a conditional target model with another
    // preprocessing: encode and decode go through the affine map between the two).
    ['cfm-latent-none', 'none', ['--ot-space', 'latent'], false],
    ['cfm-latent-two-bases-shared', 'two-bases-shared', ['--ot-space', 'latent'], true],
    ['cfm-latent-delta', 'delta', ['--ot-space', 'latent'], true],
    // cfm-f4f: a top flow distilled from a velocity field (read as a flow, like ot-f4f).
    ['distil-none', 'none', ['--method', 'cfm-f4f'], false],
    ['ot-f4f-none', 'none', ['--method', 'ot-f4f', '--permutation', 'random'], false],
  ];
  const morphBudget = ['--steps', '12', '--batch', '128', '--base-steps', '10', '--base-stacks', '2', '--base-hidden', '12', '--base-bins', '4', '--base-blocks', '1'];
  await pairs(
    runs.map(([name, mode, top, withModels]) => () =>
      cli('morph', '--source', at('s.csv'), '--target', at('t.csv'), ...COLS, ...(mode === 'none' ? [] : COND), '--mode', mode, '--out', at(`run-${name}`),
        ...TINY, ...top, ...morphBudget, ...(withModels ? given : [])),
    ),
  );

  // Transports: both directions for none / delta / concat, one for the two-bases modes; a fixed target
  // condition (in delta mode, target 0 gives shifts of both signs).
  const transports: [string, boolean, number[] | undefined][] = [
    ['none', false, undefined],
    ['none', true, undefined],
    ['delta', false, [0]],
    ['delta', true, undefined],
    ['delta', true, [0.25]],
    ['concat', false, undefined],
    ['concat', true, [-0.5]],
    ['two-bases', false, undefined],
    ['two-bases-shared', true, [0.5]],
    ['cfm-none', false, undefined],
    ['cfm-none', true, undefined],
    ['cfm-delta', false, [0]],
    ['cfm-delta', true, [0.25]],
    ['cfm-two-bases-shared', false, undefined],
    ['cfm-two-bases-shared', true, [0.5]],
    ['cfm-latent-none', false, undefined],
    ['cfm-latent-none', true, undefined],
    ['cfm-latent-two-bases-shared', false, undefined],
    ['cfm-latent-two-bases-shared', true, [0.5]],
    ['cfm-latent-delta', false, [0.25]],
    ['cfm-latent-delta', true, [-0.5]],
    ['distil-none', false, undefined],
    ['distil-none', true, undefined],
    ['ot-f4f-none', true, undefined],
  ];
  await pairs(
    transports.map(([name, inverse, target], i) => async () => {
      const out = at(`moved-${i}.npy`);
      const cond = name.endsWith('none') ? [] : COND;
      await cli('transport', at(`run-${name}`), at('s.csv'), ...COLS, ...cond, '--out', out,
        ...(inverse ? ['--inverse'] : []), ...(target ? ['--target-condition', target.join(',')] : []));
      cases.push({ name: `transport ${name}${inverse ? ' inverse' : ''}${target ? ` to ${target}` : ''}`, kind: 'transport', dir: at(`run-${name}`), data: at('s.csv'), out, inverse, target });
    }),
  );
  const tCli = Date.now();

  fs.writeFileSync(at('cases.json'), JSON.stringify(cases));
  const py = spawnSync(PYTHON, ['-c', COMPARE, READER, at('cases.json')], { encoding: 'utf8', env: PY_ENV });
  assert.equal(py.status, 0, `python failed:\n${py.stderr}`);
  const diffs = JSON.parse(py.stdout.trim().split('\n').pop() as string) as Record<string, [number, number | null, string | null, boolean | null]>;
  assert.equal(Object.keys(diffs).length, cases.length);
  for (const [name, [d, moved]] of Object.entries(diffs))
    t.diagnostic(`${name}: max |python − cli| ${d.toExponential(2)}${moved === null ? '' : `, rows moved up to ${moved.toFixed(3)}`}`);
  t.diagnostic(`cli ${((tCli - t0) / 1000).toFixed(1)} s, python ${((Date.now() - tCli) / 1000).toFixed(1)} s`);
  for (const [name, [d, moved]] of Object.entries(diffs)) {
    assert.ok(d <= TOLERANCE, `${name}: python and the CLI differ by ${d} (> ${TOLERANCE})`);
    // A morph that had not moved the rows would make the comparison of its top flow say little.
    if (moved !== null) assert.ok(moved > 0.05, `${name}: the morph moved the rows by at most ${moved}`);
  }
  // The runs without --method trained the default, ot-cfm; the reader names each run's method and density.
  for (const [name, [, , method, density]] of Object.entries(diffs)) {
    if (!name.startsWith('transport')) continue;
    const want = name.includes('distil') ? 'cfm-f4f' : name.includes('cfm-') ? 'ot-cfm' : name.includes('ot-f4f') ? 'ot-f4f' : 'f4f';
    assert.deepEqual([name, method, density], [name, want, want !== 'ot-cfm']);
  }
  // A latent run depends on its base models: the reader refuses a misspelt space and a re-trained model.
  const runJson = at('run-cfm-latent-none/run.json');
  const original = fs.readFileSync(runJson, 'utf8');
  const loadWith = (edit: (j: any) => void) => {
    const j = JSON.parse(original);
    edit(j);
    fs.writeFileSync(runJson, JSON.stringify(j));
    return spawnSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(READER)}); import flowmorph; flowmorph.load(sys.argv[1])`, at('run-cfm-latent-none')], { encoding: 'utf8', env: PY_ENV });
  };
  const misspelt = loadWith((j) => void (j.config.ot.space = 'Latent'));
  assert.match(misspelt.stderr, /config\.ot\.space is 'Latent', not one of data, latent/);
  const retrained = loadWith((j) => void (j.baseSha256.target = '0'.repeat(64)));
  assert.match(retrained.stderr, /its target model .* has been re-trained since the run was saved/);
  assert.equal(loadWith(() => undefined).status, 0, 'the run as saved loads');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('python/flowmorph.py refuses a folder that is not a Flowmorph model or run, naming it', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-python-bad-'));
  const run = (code: string) => spawnSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(READER)}); import flowmorph\n${code}`], { encoding: 'utf8', cwd: d, env: PY_ENV });
  const r = run(`flowmorph.load(${JSON.stringify(d)})`);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a Flowmorph model or run folder/);
  fs.rmSync(d, { recursive: true, force: true });
});
