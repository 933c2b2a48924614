/**
 * The CLI's commands: each reads its flags, runs a job, prints progress to stderr, and returns the
 * JSON-able result that `--json` prints.
 */
import type { OtConfig, TrainConfig } from '../core/config';
import { meanNll } from '../core/metrics/nll';
import { initBackend, type BackendPreference } from '../core/tf';
import { matrix, type Matrix } from '../data/matrix';
import { applyScaler, logDetScaler } from '../data/preprocess';
import { generateToy, toyNames } from '../data/toys';
import { writeDataset } from '../data/write';
import { loadData } from '../jobs/data';
import { runEvaluate } from '../jobs/evaluate';
import { runFit } from '../jobs/fit';
import { loadModel } from '../jobs/model-io';
import { runMorph } from '../jobs/morph';
import { runTransport } from '../jobs/transport';
import type { DataSpec, JobHooks, Progress } from '../jobs/types';
import { Flags, UsageError, type Parsed } from './args';

const BACKENDS = ['auto', 'native', 'wasm', 'cpu'] as const;

function positional(p: Parsed, i: number, what: string): string {
  const v = p.positional[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

function dataSpec(path: string, f: Flags, prefix = ''): DataSpec {
  return {
    path,
    columns: f.columns(`${prefix}columns`),
    conditionColumns: f.columns(`${prefix}condition-columns`),
    dataset: f.str(`${prefix}dataset`),
    dropNonFinite: f.bool('drop-non-finite'),
  };
}

/** The OT methods' settings (--ot-block, --condition-weight); only those given. */
function otFlags(f: Flags): Partial<OtConfig> | undefined {
  const o: Partial<OtConfig> = {};
  const block = f.num('ot-block', { int: true, min: 2 });
  const w = f.num('condition-weight', { min: 0 });
  if (block !== undefined) o.block = block;
  if (w !== undefined) o.conditionWeight = w;
  return Object.keys(o).length ? o : undefined;
}

function trainFlags(f: Flags, prefix = ''): Partial<TrainConfig> {
  const t: Partial<TrainConfig> = {};
  const set = <K extends keyof TrainConfig>(k: K, v: TrainConfig[K] | undefined) => {
    if (v !== undefined) t[k] = v;
  };
  set('steps', f.num(`${prefix}steps`, { int: true, min: 0 }));
  set('epochs', f.num(`${prefix}epochs`, { min: 0 }));
  set('seconds', f.num(`${prefix}seconds`, { min: 0 }));
  set('batch', f.num(`${prefix}batch`, { int: true, min: 1 }));
  set('lr', f.num(`${prefix}lr`, { min: 0 }));
  set('seed', f.num(`${prefix}seed`, { int: true, min: 0 }));
  set('clip', f.num(`${prefix}clip`, { min: 0 }));
  set('evalEvery', f.num(`${prefix}eval-every`, { int: true, min: 1 }));
  set('validationFraction', f.num(`${prefix}validation`, { min: 0, max: 0.9 }));
  // An explicit budget replaces the preset's: steps > epochs > seconds, so drop the others.
  if (t.steps !== undefined) Object.assign(t, { epochs: undefined, seconds: undefined });
  else if (t.epochs !== undefined) Object.assign(t, { steps: undefined, seconds: undefined });
  else if (t.seconds !== undefined) Object.assign(t, { steps: undefined, epochs: undefined });
  return t;
}

function flowFlags(f: Flags, prefix = '') {
  const o: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => v !== undefined && (o[k] = v);
  put('transform', f.oneOf(`${prefix}transform`, ['maf', 'coupling'] as const));
  put('stacks', f.num(`${prefix}stacks`, { int: true, min: 1 }));
  put('blocks', f.num(`${prefix}blocks`, { int: true, min: 0 }));
  put('hidden', f.num(`${prefix}hidden`, { int: true, min: 1 }));
  put('bins', f.num(`${prefix}bins`, { int: true, min: 2 }));
  put('bound', f.num(`${prefix}bound`, { min: 0.1 }));
  put('permutation', f.oneOf(`${prefix}permutation`, ['reverse', 'random', 'lu'] as const));
  return o;
}

function progressHooks(quiet: boolean): JobHooks {
  let last = 0;
  return {
    progressEveryMs: 1000,
    onProgress: (p: Progress) => {
      if (quiet || performance.now() - last < 1000) return;
      last = performance.now();
      const val = p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : '';
      const disp = p.displacement !== undefined ? ` disp ${p.displacement.toFixed(3)}` : '';
      process.stderr.write(`[${p.phase}] step ${p.step} loss ${p.loss.toFixed(4)}${val}${disp} lr ${p.lr.toExponential(2)} ${p.msPerStep.toFixed(1)} ms/step ${Math.round(p.samplesPerSec)} samples/s\n`);
    },
    onLog: (l) => !quiet && process.stderr.write(`${l}\n`),
  };
}

function parsePenalty(s: string | undefined): { kind: 'l1' | 'l2'; weight: number } | undefined {
  if (s === undefined) return undefined;
  const m = /^(l1|l2):([0-9.eE+-]+)$/.exec(s);
  if (!m || !Number.isFinite(Number(m[2])) || Number(m[2]) < 0) throw new UsageError(`--penalty must look like l1:0.5 or l2:1, got '${s}'`);
  return { kind: m[1] as 'l1' | 'l2', weight: Number(m[2]) };
}

export async function runCommand(p: Parsed): Promise<unknown> {
  const f = new Flags(p);
  const backend = (f.oneOf('backend', BACKENDS) ?? 'auto') as BackendPreference;
  const quiet = f.bool('quiet') || f.bool('json');
  switch (p.command) {
    case 'generate': {
      const name = positional(p, 0, 'toy name (one of ' + toyNames().join(', ') + ')');
      const n = f.num('n', { int: true, min: 1 }) ?? 10000;
      const seed = f.num('seed', { int: true, min: 0 }) ?? 0;
      const condition = f.oneOf('condition', ['rotation', 'radial', 'ellipse'] as const);
      const out = f.req('out');
      f.done();
      if (!toyNames().includes(name)) throw new UsageError(`unknown toy '${name}'; choose one of ${toyNames().join(', ')}`);
      const t = generateToy(name, n, seed, condition ? { condition } : {});
      const m = t.condition ? hstack(t.features, t.condition) : t.features;
      await writeDataset(out, m);
      return { out, rows: m.rows, columns: m.columns, toy: name, seed };
    }
    case 'fit': {
      const data = dataSpec(positional(p, 0, 'DATA'), f);
      const out = f.req('out');
      const preset = f.oneOf('preset', ['reference', 'fast'] as const);
      const job = { data, out, preset, train: trainFlags(f), flow: flowFlags(f), backend, resume: f.bool('resume') };
      f.done();
      return runFit(job, progressHooks(quiet));
    }
    case 'morph': {
      const source = dataSpec(f.req('source'), f, 'source-');
      const target = dataSpec(f.req('target'), f, 'target-');
      // --columns / --condition-columns apply to both sides unless a side says otherwise.
      const cols = f.columns('columns');
      const ccols = f.columns('condition-columns');
      for (const s of [source, target]) {
        s.columns ??= cols;
        s.conditionColumns ??= ccols;
      }
      const pen = parsePenalty(f.str('penalty'));
      const identity = f.bool('identity-init') ? true : f.bool('no-identity-init') ? false : undefined;
      const job = {
        source,
        target,
        out: f.req('out'),
        sourceModel: f.str('source-model'),
        targetModel: f.str('target-model'),
        basePreset: f.oneOf('base-preset', ['reference', 'fast'] as const),
        baseFlow: flowFlags(f, 'base-'),
        baseTrain: trainFlags(f, 'base-'),
        method: f.oneOf('method', ['f4f', 'ot-f4f', 'ot-cfm'] as const),
        ot: otFlags(f),
        mode: f.oneOf('mode', ['none', 'delta', 'concat', 'two-bases', 'two-bases-shared'] as const),
        direction: f.oneOf('direction', ['forward', 'inverse', 'both', 'alternate', 'iterate'] as const),
        iterateEpochs: f.num('iterate-epochs', { min: 0.01 }),
        penalty: pen ? { ...pen, anneal: f.bool('anneal') } : f.bool('anneal') ? { anneal: true } : undefined,
        identityInit: identity,
        top: flowFlags(f),
        train: trainFlags(f),
        backend,
      };
      f.done();
      return runMorph(job, progressHooks(quiet));
    }
    case 'score': {
      const dir = positional(p, 0, 'MODEL_DIR');
      const data = dataSpec(positional(p, 1, 'DATA'), f);
      const out = f.str('out');
      f.done();
      const info = await initBackend(backend);
      const model = loadModel(dir);
      if (!data.conditionColumns && model.meta.conditionColumns.length) data.conditionColumns = model.meta.conditionColumns;
      const d = await loadData(data);
      if (d.features.cols !== model.flow.features) throw new Error(`${data.path} has ${d.features.cols} feature column(s); the model expects ${model.flow.features}`);
      const xs = applyScaler(model.meta.scaler, d.features);
      const cs = d.condition && model.meta.conditionScaler ? applyScaler(model.meta.conditionScaler, d.condition).data : undefined;
      const lp = model.flow.logProb(xs.data, model.flow.config.context > 0 ? cs : undefined);
      const shift = logDetScaler(model.meta.scaler);
      for (let i = 0; i < lp.length; i++) lp[i] += shift;
      if (out) await writeDataset(out, matrix(lp.length, 1, lp, ["log_prob"]), { protect: [data.path] });
      return { model: dir, data: data.path, rows: lp.length, nll: meanNll(lp), out, backend: info.name };
    }
    case 'transport': {
      const run = positional(p, 0, 'RUN_DIR');
      const data = dataSpec(positional(p, 1, 'DATA'), f);
      const out = f.req('out');
      const inverse = f.bool('inverse');
      const tc = f.str('target-condition');
      f.done();
      const targetCondition = tc?.split(',').map((v) => {
        const x = Number(v);
        if (!Number.isFinite(x)) throw new UsageError(`--target-condition must be numbers, got '${tc}'`);
        return x;
      });
      return runTransport({ run, data, out, inverse, targetCondition, backend });
    }
    case 'evaluate': {
      const run = positional(p, 0, 'RUN_DIR');
      const source = dataSpec(f.req('source'), f, 'source-');
      const target = dataSpec(f.req('target'), f, 'target-');
      const n = f.num('n', { int: true, min: 10 });
      f.done();
      return runEvaluate({ run, source, target, n, backend });
    }
    case 'backend': {
      f.done();
      const info = await initBackend(backend);
      return { backend: info.name, notes: info.notes };
    }
    default:
      throw new UsageError(`unknown command '${p.command}' (generate, fit, morph, score, transport, evaluate, backend; --help)`);
  }
}

function hstack(a: Matrix, b: Matrix): Matrix {
  const cols = a.cols + b.cols;
  const out = new Float32Array(a.rows * cols);
  for (let i = 0; i < a.rows; i++) {
    out.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * cols);
    out.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * cols + a.cols);
  }
  return matrix(a.rows, cols, out, [...a.columns, ...b.columns]);
}
