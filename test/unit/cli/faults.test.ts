// The fault corpus of issue #11, against the CLI as a user runs it: inputs that would be destroyed, models
// that are damaged, options that do not apply, data too small to train. Every case is generated here (no
// checked-in binaries) and passes only if the command exits with the right code (1 for data, model and
// file errors, 2 for flag errors), says what is wrong in one line that names the file, writes nothing,
// and leaves every input byte-identical. FLOWMORPH_CLI=path/to/cli.js runs the corpus against another
// build (e.g. the shipped dist/cli.js, or an older one to see which cases it fails).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipFile } from '../data/builders';
import { CLI as DEFAULT_CLI, runCli } from './runner';

const CLI = process.env.FLOWMORPH_CLI ?? DEFAULT_CLI;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-faults-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const TINY = ['--stacks', '1', '--blocks', '1', '--hidden', '8', '--bins', '4'];

const cli = (cwd: string, args: string[]) => runCli(args, { entry: CLI, cwd });

/** Every file below `d` with its hash (and every folder), to see that nothing was written or changed. */
function snapshot(d: string): Map<string, string> {
  const out = new Map<string, string>();
  (function walk(p: string) {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const q = path.join(p, e.name);
      if (e.isDirectory()) {
        out.set(path.relative(d, q) + '/', 'dir');
        walk(q);
      } else out.set(path.relative(d, q), createHash('sha256').update(fs.readFileSync(q)).digest('hex'));
    }
  })(d);
  return out;
}

const fx = path.join(root, 'fx'); // shared inputs: d.csv, ab.csv, model M, run R
const csv = (rows: number, f: (i: number) => string, header = 'a,b') => [header, ...Array.from({ length: rows }, (_, i) => f(i))].join('\n') + '\n';

before(() => {
  fs.mkdirSync(fx);
  fs.writeFileSync(path.join(fx, 'd.csv'), csv(400, (i) => `${Math.sin(i)},${Math.cos(3 * i) + i / 400}`, 'x0,x1'));
  fs.writeFileSync(path.join(fx, 'ab.csv'), csv(400, (i) => `${Math.sin(i)},${Math.cos(3 * i) + i / 400}`));
  let r = cli(fx, ['fit', 'd.csv', '--out', 'M', '--steps', '5', '--batch', '64', ...TINY, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(fx, ['fit', 'ab.csv', '--out', 'MAB', '--steps', '5', '--batch', '64', ...TINY, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  r = cli(fx, ['morph', '--source', 'd.csv', '--target', 'd.csv', '--source-model', 'M', '--target-model', 'M', '--out', 'R', '--steps', '3', '--batch', '64', ...TINY, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of fs.readdirSync(path.join(fx, 'R'))) if (f.startsWith('checkpoint')) fs.rmSync(path.join(fx, 'R', f));
  for (const f of fs.readdirSync(path.join(fx, 'M'))) if (f.startsWith('checkpoint')) fs.rmSync(path.join(fx, 'M', f));
});

interface Case {
  name: string;
  /** Creates the case's own inputs in `dir` (the shared ones are in ../fx). */
  setup?: (dir: string) => void;
  args: string[];
  code: 1 | 2;
  /** The file the message must name. */
  names: string;
  message: RegExp;
}

const copyModel = (from: string, to: string) => fs.cpSync(path.join(fx, from), to, { recursive: true });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A copy of model M with its weights changed; `rehash` keeps model.json's hash in step (a hand edit). */
function damagedWeights(dir: string, name: string, change: (w: Float32Array) => Float32Array | void, rehash = true): void {
  const m = path.join(dir, name);
  copyModel('M', m);
  const b = fs.readFileSync(path.join(m, 'weights.bin'));
  let w: Float32Array = new Float32Array(new Uint8Array(b).buffer);
  w = change(w) ?? w;
  const bytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  fs.writeFileSync(path.join(m, 'weights.bin'), bytes);
  if (rehash) editJson(path.join(m, 'model.json'), (j) => void (j.weightsSha256 = sha(bytes)));
}

function editJson(file: string, change: (j: any) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

function damagedMeta(dir: string, name: string, change: (j: any) => void): void {
  copyModel('M', path.join(dir, name));
  editJson(path.join(dir, name, 'model.json'), change);
}

const FX = (p: string) => path.join('..', '..', 'fx', p);

const CASES: Case[] = [
  // 1. No output may be an input or sit inside one.
  { name: 'fit over its own input (jd/model.json --out jd)', setup: (d) => { fs.mkdirSync(path.join(d, 'jd')); fs.writeFileSync(path.join(d, 'jd', 'model.json'), JSON.stringify({ columns: ['a', 'b'], data: Array.from({ length: 40 }, (_, i) => [i, i % 7]) })); },
    args: ['fit', 'jd/model.json', '--out', 'jd', '--steps', '2', ...TINY], code: 1, names: 'jd/model.json', message: /refusing to write over an input/ },
  { name: 'score over the model it scores', setup: (d) => copyModel('M', path.join(d, 'M')), args: ['score', 'M', FX('d.csv'), '--out', 'M/model.json'], code: 1, names: 'M/model.json', message: /refusing to write over an input/ },
  { name: 'score over the model weights', setup: (d) => copyModel('M', path.join(d, 'M')), args: ['score', 'M', FX('d.csv'), '--out', 'M/weights.bin'], code: 1, names: 'M/weights.bin', message: /refusing to write over an input|extension/ },
  { name: 'transport over the run it uses', setup: (d) => copyModel('R', path.join(d, 'R')), args: ['transport', 'R', FX('d.csv'), '--out', 'R/run.json'], code: 1, names: 'R/run.json', message: /refusing to write over an input/ },
  { name: 'fit --out the data file', setup: (d) => fs.copyFileSync(path.join(fx, 'd.csv'), path.join(d, 'd.csv')), args: ['fit', 'd.csv', '--out', 'd.csv', '--steps', '2', ...TINY], code: 1, names: 'd.csv', message: /refusing to write over an input/ },
  { name: 'fit --out inside the data file', setup: (d) => fs.copyFileSync(path.join(fx, 'd.csv'), path.join(d, 'd.csv')), args: ['fit', 'd.csv', '--out', 'd.csv/model', '--steps', '2', ...TINY], code: 1, names: 'd.csv', message: /refusing to write inside the input/ },
  { name: 'morph --out the source file', setup: (d) => fs.copyFileSync(path.join(fx, 'd.csv'), path.join(d, 'd.csv')), args: ['morph', '--source', 'd.csv', '--target', FX('d.csv'), '--out', 'd.csv', '--steps', '2', ...TINY], code: 1, names: 'd.csv', message: /refusing to write over an input/ },
  { name: 'transport --out the data file', setup: (d) => fs.copyFileSync(path.join(fx, 'd.csv'), path.join(d, 'd.csv')), args: ['transport', FX('R'), 'd.csv', '--out', 'd.csv'], code: 1, names: 'd.csv', message: /refusing to write over an input/ },
  // 11. Outputs checked before the first step.
  { name: 'fit --out an existing file', setup: (d) => fs.writeFileSync(path.join(d, 'afile'), 'keep me'), args: ['fit', FX('d.csv'), '--out', 'afile', '--steps', '2', ...TINY], code: 1, names: 'afile', message: /is not a folder/ },
  { name: 'morph --out below an existing file', setup: (d) => fs.writeFileSync(path.join(d, 'afile'), 'keep me'), args: ['morph', '--source', FX('d.csv'), '--target', FX('d.csv'), '--out', 'afile/run', '--steps', '2', ...TINY], code: 1, names: 'afile/run', message: /is a file, not a folder/ },
  { name: 'score --out an existing folder', setup: (d) => fs.mkdirSync(path.join(d, 'adir')), args: ['score', FX('M'), FX('d.csv'), '--out', 'adir'], code: 1, names: 'adir', message: /extension|is a folder/ },
  { name: 'morph with a wrong-dimension --source-model', setup: (d) => fs.writeFileSync(path.join(d, 'three.csv'), csv(60, (i) => `${i},${i % 5},${i % 3}`, 'a,b,c')),
    args: ['morph', '--source', 'three.csv', '--target', 'three.csv', '--source-model', FX('M'), '--out', 'run', '--base-steps', '400', ...TINY], code: 1, names: 'M/model.json', message: /source model has 2 features, the data 3/ },
  // 3. A model's two files from different saves.
  { name: 'model.json paired with weights of another save', setup: (d) => damagedWeights(d, 'M', (w) => w.map((v) => v * 0.5), false), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/weights.bin', message: /does not match .*model\.json/ },
  { name: 'run.json paired with top weights of another save', setup: (d) => { copyModel('R', path.join(d, 'R')); const f = path.join(d, 'R', 'top.bin'); const b = fs.readFileSync(f); b[0] ^= 1; fs.writeFileSync(f, b); }, args: ['transport', 'R', FX('d.csv'), '--out', 'o.csv'], code: 1, names: 'R/top.bin', message: /does not match .*run\.json/ },
  // 4. Damaged models are refused on load, naming the file and the field.
  { name: 'NaN weight', setup: (d) => damagedWeights(d, 'M', (w) => void (w[3] = NaN)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/weights.bin', message: /parameter 3 is NaN/ },
  { name: 'Inf weight', setup: (d) => damagedWeights(d, 'M', (w) => void (w[0] = -Infinity)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/weights.bin', message: /parameter 0 is -Infinity/ },
  { name: 'huge weight', setup: (d) => damagedWeights(d, 'M', (w) => void (w[7] = 1e30)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/weights.bin', message: /parameter 7 is 1\.0*\d*e\+30, beyond/ },
  { name: 'truncated weights', setup: (d) => damagedWeights(d, 'M', (w) => w.subarray(0, 100)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/weights.bin', message: /100 parameters, the model needs/ },
  { name: 'zero scaler scale', setup: (d) => damagedMeta(d, 'M', (j) => void (j.scaler.scale[1] = 0)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /scaler\.scale\[1\] is 0; a scale must be > 0/ },
  { name: 'negative scaler scale', setup: (d) => damagedMeta(d, 'M', (j) => void (j.scaler.scale[0] = -2)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /scaler\.scale\[0\] is -2/ },
  { name: 'non-numeric scaler scale', setup: (d) => damagedMeta(d, 'M', (j) => void (j.scaler.scale[0] = 'abc')), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /scaler\.scale\[0\] is "abc", not a finite number/ },
  { name: 'null scaler shift', setup: (d) => damagedMeta(d, 'M', (j) => void (j.scaler.shift[0] = null)), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /scaler\.shift\[0\] is null/ },
  { name: 'model.json is null', setup: (d) => { copyModel('M', path.join(d, 'M')); fs.writeFileSync(path.join(d, 'M', 'model.json'), 'null'); }, args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /not a Flowmorph model/ },
  { name: 'model.json is not JSON', setup: (d) => { copyModel('M', path.join(d, 'M')); fs.writeFileSync(path.join(d, 'M', 'model.json'), '{"format": "flowmorph-model",'); }, args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /JSON/ },
  { name: 'config.bins not a number', setup: (d) => damagedMeta(d, 'M', (j) => void (j.config.bins = 'eight')), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /config\.bins is "eight"/ },
  { name: 'columns missing in model.json', setup: (d) => damagedMeta(d, 'M', (j) => void delete j.columns), args: ['score', 'M', FX('d.csv')], code: 1, names: 'M/model.json', message: /columns must list 2 column name/ },
  { name: 'a run whose base model has a NaN weight (evaluate)', setup: (d) => { copyModel('R', path.join(d, 'R')); damagedWeights(d, 'M', (w) => void (w[1] = NaN)); editJson(path.join(d, 'R', 'run.json'), (j) => { j.sourceModel = path.join(d, 'M'); j.targetModel = path.join(d, 'M'); }); },
    args: ['evaluate', 'R', '--source', FX('d.csv'), '--target', FX('d.csv'), '--n', '50'], code: 1, names: 'M/weights.bin', message: /parameter 1 is NaN/ },
  // 5. Columns matched by name.
  { name: 'scoring a file without the model’s columns', setup: (d) => fs.writeFileSync(path.join(d, 'pq.csv'), csv(30, (i) => `${i},${i}`, 'p,q')), args: ['score', FX('MAB'), 'pq.csv'], code: 1, names: 'pq.csv', message: /column 'a': no such column.*fitted on columns a, b/ },
  // 7. Options that do not apply.
  { name: 'fit with two data files', args: ['fit', FX('d.csv'), FX('ab.csv'), '--out', 'm', '--steps', '2'], code: 2, names: 'ab.csv', message: /unexpected argument/ },
  { name: 'score with an extra argument', args: ['score', FX('M'), FX('d.csv'), FX('ab.csv')], code: 2, names: 'ab.csv', message: /unexpected argument/ },
  { name: '--target-condition on a run without conditions', args: ['transport', FX('R'), FX('d.csv'), '--out', 'o.csv', '--target-condition', '1'], code: 2, names: 'R', message: /--target-condition does not apply: the run .*R was trained without conditions/ },
  { name: '--resume from a checkpoint of another dataset', setup: (d) => { const r = cli(d, ['fit', FX('d.csv'), '--out', 'm', '--steps', '2', '--batch', '64', ...TINY, '--quiet']); assert.equal(r.code, 0, r.stderr); },
    args: ['fit', FX('ab.csv'), '--out', 'm', '--steps', '4', '--batch', '64', ...TINY, '--resume'], code: 1, names: 'm/checkpoint.json', message: /trained on other data/ },
  // 8. Too few rows.
  { name: 'a 1-row file', setup: (d) => fs.writeFileSync(path.join(d, 'one.csv'), 'a,b\n1,2\n'), args: ['fit', 'one.csv', '--out', 'm', '--steps', '2'], code: 1, names: 'one.csv', message: /has 1 row\(s\); .* needs at least 20/ },
  { name: 'a 3-row file', setup: (d) => fs.writeFileSync(path.join(d, 'three.csv'), 'a,b\n1,2\n2,3\n3,3\n'), args: ['fit', 'three.csv', '--out', 'm', '--steps', '2'], code: 1, names: 'three.csv', message: /has 3 row\(s\); .* needs at least 20/ },
  { name: 'morph with a tiny target', setup: (d) => fs.writeFileSync(path.join(d, 'few.csv'), csv(12, (i) => `${i},${i % 3}`, 'x0,x1')), args: ['morph', '--source', FX('d.csv'), '--target', 'few.csv', '--out', 'r', '--steps', '2'], code: 1, names: 'few.csv', message: /has 12 row\(s\); .* needs at least 20/ },
  // 10. Zip bomb.
  { name: '.npz member that inflates past the limit', setup: (d) => fs.writeFileSync(path.join(d, 'bomb.npz'), bomb()), args: ['fit', 'bomb.npz', '--out', 'm', '--steps', '2', '--max-bytes', '1000000'], code: 1, names: 'bomb.npz', message: /inflate|larger|limit|budget/ },
  // 13. Messages name the file.
  { name: 'not a model folder', setup: (d) => fs.mkdirSync(path.join(d, 'empty')), args: ['score', 'empty', FX('d.csv')], code: 1, names: 'empty', message: /not a Flowmorph model folder/ },
  { name: 'run.json with a bad features field', setup: (d) => { copyModel('R', path.join(d, 'R')); editJson(path.join(d, 'R', 'run.json'), (j) => void (j.features = 'two')); }, args: ['transport', 'R', FX('d.csv'), '--out', 'o.csv'], code: 1, names: 'R/run.json', message: /features is "two"/ },
  { name: 'run.json with a misspelt ot.space (same weights, another morph: refused)', setup: (d) => { copyModel('R', path.join(d, 'R')); editJson(path.join(d, 'R', 'run.json'), (j) => void ((j.config.ot ??= {}).space = 'Latent')); }, args: ['transport', 'R', FX('d.csv'), '--out', 'o.csv'], code: 1, names: 'R/run.json', message: /config\.ot\.space is "Latent", not one of data, latent/ },
  { name: 'run.json whose features disagree with its models (no tensor-shape error)', setup: (d) => { copyModel('R', path.join(d, 'R')); editJson(path.join(d, 'R', 'run.json'), (j) => void (j.features = 3)); }, args: ['transport', 'R', FX('d.csv'), '--out', 'o.csv'], code: 1, names: 'R/run.json', message: /features is 3, but its model .* has 2/ },
  { name: 'truncated checkpoint (no ParamStore error)', setup: (d) => {
      const r = cli(d, ['fit', FX('d.csv'), '--out', 'm', '--steps', '2', '--batch', '64', ...TINY, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      const f = path.join(d, 'm', 'checkpoint.bin');
      const b = fs.readFileSync(f).subarray(0, 400);
      fs.writeFileSync(f, b);
      editJson(path.join(d, 'm', 'checkpoint.json'), (j) => void (j.sha256 = sha(b)));
    }, args: ['fit', FX('d.csv'), '--out', 'm', '--steps', '4', '--batch', '64', ...TINY, '--resume'], code: 1, names: 'm/checkpoint.bin', message: /100 values, a checkpoint of \d+ parameters holds/ },
  { name: 'checkpoint with a NaN (not "training diverged")', setup: (d) => {
      const r = cli(d, ['fit', FX('d.csv'), '--out', 'm', '--steps', '2', '--batch', '64', ...TINY, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      const f = path.join(d, 'm', 'checkpoint.bin');
      const b = fs.readFileSync(f);
      b.writeFloatLE(NaN, 8);
      fs.writeFileSync(f, b);
      editJson(path.join(d, 'm', 'checkpoint.json'), (j) => void (j.sha256 = sha(b)));
    }, args: ['fit', FX('d.csv'), '--out', 'm', '--steps', '4', '--batch', '64', ...TINY, '--resume'], code: 1, names: 'm/checkpoint.bin', message: /value 2 is NaN; the checkpoint is damaged/ },
];

/** A .npz whose one member, 1 KB compressed, inflates to 64 MB of zeros (declared sizes honest). */
function bomb(): Buffer {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (8388608, 2), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = Buffer.alloc(10 + header.length + pad + 1, 0x20);
  h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  h.writeUInt16LE(header.length + pad + 1, 8);
  h.write(header, 10, 'latin1');
  h[h.length - 1] = 10;
  return zipFile([{ name: 'x.npy', data: Buffer.concat([h, Buffer.alloc(8388608 * 8)]), deflate: true }]);
}

for (const c of CASES) {
  test(`fault: ${c.name}`, () => {
    const dir = path.join(root, 'cases', c.name.replace(/[^a-z0-9]+/gi, '-'));
    fs.mkdirSync(dir, { recursive: true });
    c.setup?.(dir);
    const before = [snapshot(dir), snapshot(fx)];
    const r = cli(dir, [...c.args, '--quiet']);
    const lines = r.stderr.trim().split('\n');
    assert.equal(r.code, c.code, `exit ${r.code}, want ${c.code}: ${r.stderr}`);
    assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
    assert.ok(lines[0].includes(c.names), `the message names ${c.names}: ${lines[0]}`);
    assert.match(lines[0], c.message);
    assert.doesNotMatch(lines[0], /training diverged|Cannot read properties|undefined|\[object|ParamStore|out of bounds/);
    assert.deepEqual(snapshot(dir), before[0], 'nothing written, no input changed (case folder)');
    assert.deepEqual(snapshot(fx), before[1], 'nothing written, no input changed (shared inputs)');
  });
}

test('columns are matched by name: a file with its columns swapped scores the same', () => {
  const d = path.join(root, 'swap');
  fs.mkdirSync(d);
  const rows = fs.readFileSync(path.join(fx, 'ab.csv'), 'utf8').trim().split('\n').slice(1);
  fs.writeFileSync(path.join(d, 'ba.csv'), ['b,a', ...rows.map((l) => l.split(',').reverse().join(','))].join('\n') + '\n');
  const a = cli(fx, ['score', 'MAB', 'ab.csv', '--json']);
  const b = cli(fx, ['score', 'MAB', path.join(d, 'ba.csv'), '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout).nll, JSON.parse(a.stdout).nll);
});

test('a constant column trains with a warning that names it', () => {
  const d = path.join(root, 'const');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'c.csv'), csv(60, (i) => `${i % 7},5`));
  const r = cli(d, ['fit', 'c.csv', '--out', 'm', '--steps', '2', '--batch', '32', ...TINY]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /c\.csv: column 'b' is constant/);
});

test('the corpus counts as the README says', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
  const m = /fault corpus of (\d+) cases/.exec(readme);
  assert.ok(m, 'README names the fault corpus size');
  assert.equal(Number(m[1]), CASES.length);
});
