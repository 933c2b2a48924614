/**
 * The CLI's commands: each reads its flags, runs a job, prints progress to stderr, and returns the
 * JSON-able result that `--json` prints.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  BUDGET_KEYS,
  defaultExperiment,
  FLOW_RULES,
  MORPH_SCALAR_RULES,
  OT_RULES,
  parseExperiment,
  PENALTY_RULES,
  PRESET_NAMES,
  resolveWith,
  ruleProblem,
  TRAIN_RULES,
  type Experiment,
  type ExperimentOverlay,
  type FlowOverrides,
  type ResolvedExperiment,
} from '../config/experiment';
import type { ContextMode, Direction, MorphMethod, OtConfig, PresetName, TrainConfig } from '../core/config';
import { meanNll } from '../core/metrics/nll-summary';
import { initBackend, type BackendPreference } from '../core/tf';
import { hstack, matrix, type Matrix } from '../data/matrix';
import { applyScaler, logDetScaler } from '../data/preprocess';
import { generateToy, toyNames } from '../data/toys';
import { writeDataset } from '../data/write';
import { assertFinite } from '../jobs/checks';
import { loadDataFor } from '../jobs/data';
import { runEvaluate } from '../jobs/evaluate';
import { runFit } from '../jobs/fit';
import { loadModel, readRunMeta } from '../jobs/model-io';
import { runMorph } from '../jobs/morph';
import { runTransport } from '../jobs/transport';
import type { DataSpec, JobHooks, Progress } from '../jobs/types';
import { checkPositional, Flags, UsageError, type Parsed } from './args';
import { interruptedBy } from './signals';

const BACKENDS = ['auto', 'native', 'wasm', 'cpu'] as const;

function positional(p: Parsed, i: number, what: string): string {
  const v = p.positional[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/**
 * A dataset from flags over `base` (the experiment file's spec). `both` holds the flags that apply to
 * both sides of a morph (--columns, --condition-columns): a side's own flag wins, then these, then the file.
 */
function dataSpec(path: string, f: Flags, prefix = '', base?: DataSpec, both: Pick<DataSpec, 'columns' | 'conditionColumns'> = {}): DataSpec {
  const spec: DataSpec = { ...base, path };
  const put = <K extends keyof DataSpec>(k: K, v: DataSpec[K] | undefined) => v !== undefined && (spec[k] = v);
  put('columns', f.columns(`${prefix}columns`) ?? both.columns);
  put('conditionColumns', f.columns(`${prefix}condition-columns`) ?? both.conditionColumns);
  put('dataset', f.str(`${prefix}dataset`));
  if (f.bool('drop-non-finite')) spec.dropNonFinite = true;
  if (f.bool('header')) spec.header = true;
  put('maxRows', f.num('max-rows', { int: true, min: 1 }));
  put('maxBytes', f.num('max-bytes', { int: true, min: 1 }));
  return spec;
}

/** Flag name → setting, for the train and flow settings; every value is checked by the rule table. */
const TRAIN_FLAGS: [flag: string, key: keyof TrainConfig][] = [
  ['steps', 'steps'],
  ['epochs', 'epochs'],
  ['seconds', 'seconds'],
  ['batch', 'batch'],
  ['lr', 'lr'],
  ['seed', 'seed'],
  ['clip', 'clip'],
  ['eval-every', 'evalEvery'],
  ['validation', 'validationFraction'],
];
const FLOW_FLAGS: [flag: string, key: keyof FlowOverrides][] = [
  ['transform', 'transform'],
  ['stacks', 'stacks'],
  ['blocks', 'blocks'],
  ['hidden', 'hidden'],
  ['bins', 'bins'],
  ['bound', 'bound'],
  ['permutation', 'permutation'],
];

/** Flag name → OT methods' setting (ot-cfm, cfm-f4f, ot-f4f); every value is checked by the rule table. */
const OT_FLAGS: [flag: string, key: keyof OtConfig][] = [
  ['ot-block', 'block'],
  ['ot-pairing-steps', 'pairingSteps'],
  ['condition-weight', 'conditionWeight'],
  ['ot-space', 'space'],
  ['ot-fourier', 'fourier'],
];

/** The OT methods' settings given as flags (OT_FLAGS), or undefined when none is. */
function otFlags(f: Flags): Partial<OtConfig> | undefined {
  const o: Record<string, unknown> = {};
  for (const [flag, key] of OT_FLAGS) {
    const v = f.rule(flag, OT_RULES[key]);
    if (v !== undefined) o[key] = v;
  }
  return Object.keys(o).length ? (o as Partial<OtConfig>) : undefined;
}

function trainFlags(f: Flags, prefix = ''): Partial<TrainConfig> {
  const t: Record<string, unknown> = {};
  for (const [flag, key] of TRAIN_FLAGS) {
    const v = f.rule(prefix + flag, TRAIN_RULES[key]);
    if (v !== undefined) t[key] = v;
  }
  // The three budgets are alternatives: one flag replaces the experiment's (or preset's) budget.
  const budgets = BUDGET_KEYS.filter((k) => t[k] !== undefined);
  if (budgets.length > 1) throw new UsageError(`give one budget: ${budgets.map((k) => `--${prefix}${k}`).join(' and ')} are alternatives`);
  return t as Partial<TrainConfig>;
}

function flowFlags(f: Flags, prefix = ''): FlowOverrides {
  const o: Record<string, unknown> = {};
  for (const [flag, key] of FLOW_FLAGS) {
    const v = f.rule(prefix + flag, FLOW_RULES[key]);
    if (v !== undefined) o[key] = v;
  }
  return o as FlowOverrides;
}

/** `--experiment FILE`: the experiment the flags override (default: the default experiment). */
function experimentFlag(f: Flags): { exp: Experiment; file?: string } {
  const file = f.str('experiment');
  if (file === undefined) return { exp: defaultExperiment() };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the experiment ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const check = parseExperiment(text);
  if (!check.ok) throw new Error(`${file}: ${check.errors.join('; ')}`);
  return { exp: check.experiment!, file };
}

/** A dataset of the experiment, its path made relative to the experiment file's folder (as the extension does). */
function experimentData(exp: Experiment, file: string | undefined, role: 'source' | 'target'): DataSpec | undefined {
  const spec = exp[role];
  if (!spec) return undefined;
  if (!file || /^toy:/i.test(spec.path)) return { ...spec };
  return { ...spec, path: path.resolve(path.dirname(file), spec.path) };
}

/** The resolved configuration; a rule broken by the flags and the file together is a usage error. */
function resolveCli(over: ExperimentOverlay, exp: Experiment): ResolvedExperiment {
  try {
    return resolveWith(over, exp);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function progressHooks(quiet: boolean): JobHooks {
  let last = 0;
  return {
    cancelled: () => interruptedBy() !== undefined,
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
  if (!m || !Number.isFinite(Number(m[2]))) throw new UsageError(`--penalty must look like l1:0.5 or l2:1, got '${s}'`);
  const p = ruleProblem(PENALTY_RULES.weight, Number(m[2]));
  if (p) throw new UsageError(`--penalty weight: ${p}, got ${m[2]}`);
  return { kind: m[1] as 'l1' | 'l2', weight: Number(m[2]) };
}

export async function runCommand(p: Parsed): Promise<unknown> {
  const f = new Flags(p);
  const backend = (f.oneOf('backend', BACKENDS) ?? 'auto') as BackendPreference;
  const quiet = f.bool('quiet') || f.bool('json');
  const takes: Record<string, [number, string]> = { generate: [1, 'a toy name'], fit: [1, 'one DATA'], morph: [0, ''], score: [2, 'MODEL_DIR DATA'], transport: [2, 'RUN_DIR DATA'], evaluate: [1, 'RUN_DIR'], backend: [0, ''] };
  if (takes[p.command]) checkPositional(p, ...takes[p.command]);
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
      const { exp, file } = experimentFlag(f);
      const given = p.positional[0] ?? experimentData(exp, file, 'source')?.path;
      if (given === undefined) throw new UsageError('missing DATA');
      const data = dataSpec(given, f, '', p.positional[0] === undefined ? experimentData(exp, file, 'source') : undefined);
      const out = f.req('out');
      const preset = f.rule('preset', { kind: 'enum', options: PRESET_NAMES }) as PresetName | undefined;
      const r = resolveCli({ base: { preset, flow: flowFlags(f), train: trainFlags(f) } }, exp);
      const resume = f.bool('resume');
      f.done();
      return runFit({ data, out, flow: r.base.flow, train: r.base.train, backend, resume }, progressHooks(quiet));
    }
    case 'morph': {
      const { exp, file } = experimentFlag(f);
      // --columns / --condition-columns apply to both sides unless a side says otherwise.
      const both = { columns: f.columns('columns'), conditionColumns: f.columns('condition-columns') };
      const side = (role: 'source' | 'target') => {
        const fromFile = experimentData(exp, file, role);
        const given = f.str(role);
        if (given === undefined && !fromFile) throw new UsageError(`missing --${role}`);
        return dataSpec(given ?? fromFile!.path, f, `${role}-`, given === undefined ? fromFile : undefined, both);
      };
      const source = side('source');
      const target = side('target');
      const pen = parsePenalty(f.str('penalty'));
      const anneal = f.bool('anneal') ? true : undefined;
      const identity = f.bool('identity-init') ? true : f.bool('no-identity-init') ? false : undefined;
      const r = resolveCli(
        {
          base: { preset: f.rule('base-preset', { kind: 'enum', options: PRESET_NAMES }) as PresetName | undefined, flow: flowFlags(f, 'base-'), train: trainFlags(f, 'base-') },
          morph: {
            method: f.rule('method', MORPH_SCALAR_RULES.method) as MorphMethod | undefined,
            ot: otFlags(f),
            mode: f.rule('mode', MORPH_SCALAR_RULES.mode) as ContextMode | undefined,
            direction: f.rule('direction', MORPH_SCALAR_RULES.direction) as Direction | undefined,
            iterateEpochs: f.rule('iterate-epochs', MORPH_SCALAR_RULES.iterateEpochs) as number | undefined,
            penalty: { ...pen, anneal },
            top: { ...flowFlags(f), identityInit: identity },
            train: trainFlags(f),
          },
        },
        exp,
      );
      const job = { source, target, out: f.req('out'), sourceModel: f.str('source-model'), targetModel: f.str('target-model'), base: r.base, morph: r.morph, backend };
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
      const ctx = model.flow.config.context;
      const d = await loadDataFor(data, { columns: model.meta.columns, conditionColumns: ctx ? model.meta.conditionColumns.slice(0, ctx) : undefined }, dir);
      if (d.features.cols !== model.flow.features) throw new Error(`${data.path} has ${d.features.cols} feature column(s); the model expects ${model.flow.features}`);
      const xs = applyScaler(model.meta.scaler, d.features);
      const cs = d.condition && model.meta.conditionScaler ? applyScaler(model.meta.conditionScaler, d.condition).data : undefined;
      const lp = model.flow.logProb(xs.data, model.flow.config.context > 0 ? cs : undefined);
      const shift = logDetScaler(model.meta.scaler);
      for (let i = 0; i < lp.length; i++) lp[i] += shift;
      assertFinite(lp, `${dir}: log_prob of ${data.path}`);
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
      if (targetCondition && readRunMeta(run).conditions === 0) throw new UsageError(`--target-condition does not apply: the run ${run} was trained without conditions`);
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
