/**
 * What Flowmorph does, independent of how it was asked (command palette, Explorer menu, panel button,
 * integration test): builds jobs from the current experiment, starts them in the trainer, and resolves
 * when they end. Every action takes plain options, so tests need no prompts.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TrainConfig } from '../core/config';
import type { DataSpec, FitJob, MorphJob, TransportJob } from '../jobs/types';
import { resolveWith } from '../config/experiment';
import type { TrainWhat } from '../protocol/webview';
import type { EvaluateJobSpec, WorkerJob } from '../protocol/worker';
import { absoluteSpec, outputRoot, workspaceRootOf, type ExperimentStore, type LoadedExperiment } from './experiment';
import { createRunDir, latestModel, latestMorph, listRuns, readRecord, recordedColumns, type RunRecord } from './runs';
import { settings } from './settings';
import type { WorkerClient } from './workerClient';
import { readRunMeta } from '../jobs/run-meta';
import { formatExt, type ExportFormat } from './exports';
import { findReusableBase, morphBaseKeys } from './baseReuse';
import type { Log } from './log';

/** Budget and training overrides a caller may give any training action (tests: `{ steps: 20 }`). */
export interface TrainOptions {
  steps?: number;
  seconds?: number;
  train?: Partial<TrainConfig>;
}

function trainOverrides(o: TrainOptions): Partial<TrainConfig> {
  const t: Partial<TrainConfig> = { ...o.train };
  if (o.steps !== undefined) t.steps = o.steps;
  if (o.seconds !== undefined) t.seconds = o.seconds;
  return t;
}

export class Controller {
  /** The output channel (set by extension.ts): Train Morph says there which base flows it reuses. */
  log: Log | undefined;
  /** Target condition chosen in the panel (conditional morphs), used by Morph File. */
  targetCondition: number[] | undefined;

  constructor(
    readonly store: ExperimentStore,
    readonly trainer: WorkerClient,
  ) {}

  /** The current experiment, which must name the datasets `need`. */
  private async experiment(need: ('source' | 'target')[] = []): Promise<LoadedExperiment> {
    const loaded = await this.store.ensure();
    if (loaded.errors.length) throw new Error(`${vscode.workspace.asRelativePath(loaded.uri)}: ${loaded.errors.join('; ')}`);
    for (const role of need) {
      if (!loaded.experiment[role]) throw new Error(role === 'source' ? vscode.l10n.t('The experiment has no source dataset yet: right-click a data file › Flowmorph: Use as Source.') : vscode.l10n.t('The experiment has no target dataset yet: right-click a data file › Flowmorph: Use as Target.'));
    }
    return loaded;
  }

  runs(loaded: LoadedExperiment): RunRecord[] {
    return listRuns(outputRoot(loaded), this.trainer.running?.record.id);
  }

  private begin(loaded: LoadedExperiment, job: WorkerJob, rec: Omit<RunRecord, 'id' | 'path' | 'status' | 'startedAt'>, slug: string, fill: (dir: string) => void): Promise<RunRecord> {
    // Restricted Mode (package.json capabilities.untrustedWorkspaces "limited"): the menus hide training, and
    // this refuses it from anywhere else too (the panel's buttons, other extensions).
    if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('Flowmorph does not train or morph in Restricted Mode: trust this folder first (Workspaces: Manage Workspace Trust).'));
    const dir = createRunDir(outputRoot(loaded), slug);
    fill(dir);
    const record: RunRecord = { ...rec, id: path.basename(dir), path: dir, status: 'running', startedAt: new Date().toISOString() };
    return this.trainer.start(job, record, { plotPoints: settings(loaded.uri).plotPoints }).done;
  }

  /** Trains a base flow on `data` (the experiment's base preset and overrides, then `opts`). */
  private fit(loaded: LoadedExperiment, role: 'source' | 'target' | 'file', data: DataSpec, opts: TrainOptions): Promise<RunRecord> {
    const r = resolveWith({ base: { train: trainOverrides(opts) } }, loaded.experiment);
    const job: FitJob = { data, out: '', flow: r.base.flow, train: r.base.train, backend: settings(loaded.uri).backend };
    const name = path.basename(data.path);
    return this.begin(
      loaded,
      { kind: 'fit', job },
      { kind: 'fit', role, label: `base flow on ${name}${role === 'file' ? '' : ` (${role})`}`, data: role === 'target' ? { target: data.path } : { source: data.path } },
      `fit-${role}-${path.parse(name).name}`,
      (dir) => (job.out = dir),
    );
  }

  /**
   * Continues an interrupted or stopped base-flow run in its own folder from its last checkpoint (the
   * experiment's current base settings). A morph run cannot resume yet: the morph job keeps no resumable
   * checkpoint, so this says to train it again.
   */
  async resume(dir: string): Promise<RunRecord> {
    const rec = readRecord(dir);
    if (!rec) throw new Error(vscode.l10n.t('{0} is not a Flowmorph run folder (no status record).', dir));
    if (rec.status === 'running' || rec.status === 'done') throw new Error(vscode.l10n.t('{0} is {1}: nothing to resume.', rec.label, rec.status));
    if (rec.kind !== 'fit') throw new Error(vscode.l10n.t('{0}: only base-flow runs can resume from a checkpoint yet; train the morph again (Flowmorph: Train Morph).', rec.label));
    const file = rec.data.source ?? rec.data.target;
    if (!file) throw new Error(vscode.l10n.t('{0}: its record does not say which data it trained on.', rec.label));
    const loaded = await this.experiment();
    const r = resolveWith({}, loaded.experiment);
    const role = rec.role === 'source' || rec.role === 'target' ? rec.role : undefined;
    const spec = role && loaded.experiment[role] && path.resolve(absoluteSpec(loaded.uri, loaded.experiment[role]!).path) === path.resolve(file) ? absoluteSpec(loaded.uri, loaded.experiment[role]!) : { path: file, workspaceRoot: workspaceRootOf(vscode.Uri.file(file)) };
    const job: FitJob = { data: spec, out: dir, flow: r.base.flow, train: r.base.train, backend: settings(loaded.uri).backend, resume: true };
    const record: RunRecord = { ...rec, status: 'running', startedAt: new Date().toISOString(), endedAt: undefined, error: undefined, label: rec.label.replace(/ \(resumed\)$/, '') + ' (resumed)' };
    return this.trainer.start({ kind: 'fit', job }, record, { plotPoints: settings(loaded.uri).plotPoints }).done;
  }

  /** Base flows of the experiment's source and/or target, one after the other. */
  async trainBase(which: 'source' | 'target' | 'both' = 'both', opts: TrainOptions = {}): Promise<RunRecord[]> {
    const roles: ('source' | 'target')[] = which === 'both' ? ['source', 'target'] : [which];
    const loaded = await this.experiment(roles);
    const out: RunRecord[] = [];
    for (const role of roles) {
      const rec = await this.fit(loaded, role, absoluteSpec(loaded.uri, loaded.experiment[role]!), opts);
      out.push(rec);
      if (rec.status !== 'done') break; // stopped or failed: do not go on to the next model
    }
    return out;
  }

  /** A base flow of any dataset file (it does not change the experiment). */
  async trainBaseOnFile(file: vscode.Uri, opts: TrainOptions & { dataset?: string } = {}): Promise<RunRecord> {
    const loaded = await this.experiment();
    return this.fit(loaded, 'file', { path: file.fsPath, dataset: opts.dataset, workspaceRoot: workspaceRootOf(file) }, opts);
  }

  /**
   * The morph (flow for flows) from the experiment's source to its target. Uses the newest finished base
   * models of the two datasets; the job trains any that are missing (`baseSteps` bounds those).
   */
  async trainMorph(opts: TrainOptions & { baseSteps?: number } = {}): Promise<RunRecord> {
    const loaded = await this.experiment(['source', 'target']);
    const exp = loaded.experiment;
    const r = resolveWith({ base: { train: { steps: opts.baseSteps } }, morph: { train: trainOverrides(opts) } }, exp);
    const source = absoluteSpec(loaded.uri, exp.source!);
    const target = absoluteSpec(loaded.uri, exp.target!);
    const runs = this.runs(loaded);
    // Base flows: the newest Train Base model of the file, else one a morph trained on the same file,
    // columns and settings (baseReuse.ts), else the job trains them (and this run records their keys).
    const keys = morphBaseKeys(source, target, {
      preset: exp.base.preset,
      flow: r.base.flow,
      train: r.base.train,
      conditional: r.morph.mode !== 'none',
      split: { validationFraction: r.morph.train.validationFraction, seed: r.morph.train.seed },
    });
    const models: Partial<Record<'source' | 'target', string>> = {};
    const baseKeys: Partial<Record<'source' | 'target', string>> = {};
    for (const side of ['source', 'target'] as const) {
      const spec = side === 'source' ? source : target;
      const fitted = latestModel(runs, side, spec.path);
      const reused = fitted ? undefined : findReusableBase(runs, side, keys[side]);
      models[side] = fitted ?? reused?.dir;
      if (fitted) this.log?.info(`Train Morph: ${side} base flow from ${path.basename(fitted)} (trained by Train Base on ${path.basename(spec.path)})`);
      else if (reused) this.log?.info(`Train Morph: reusing the ${side} base flow of ${path.basename(reused.run.path)} (same file, columns and settings; key ${keys[side].slice(0, 12)}): not training it again`);
      else {
        baseKeys[side] = keys[side];
        this.log?.info(`Train Morph: no ${side} base flow with this file, columns and settings yet (key ${keys[side].slice(0, 12)}): training one`);
      }
    }
    const job: MorphJob = {
      source,
      target,
      out: '',
      sourceModel: models.source,
      targetModel: models.target,
      base: r.base,
      morph: r.morph,
      backend: settings(loaded.uri).backend,
    };
    return this.begin(
      loaded,
      { kind: 'morph', job },
      { kind: 'morph', role: 'morph', label: `morph ${path.basename(source.path)} → ${path.basename(target.path)}`, data: { source: source.path, target: target.path }, baseKeys },
      'morph',
      (dir) => (job.out = dir),
    );
  }

  /** Held-out evaluation of a morph run (default: the newest). */
  async evaluate(opts: { run?: string; n?: number } = {}): Promise<RunRecord> {
    const loaded = await this.experiment(['source', 'target']);
    const run = opts.run ?? latestMorph(this.runs(loaded))?.path;
    if (!run) throw new Error(vscode.l10n.t('No finished morph run to evaluate: train a morph first.'));
    const job: EvaluateJobSpec = {
      run,
      source: absoluteSpec(loaded.uri, loaded.experiment.source!),
      target: absoluteSpec(loaded.uri, loaded.experiment.target!),
      n: opts.n,
      backend: settings(loaded.uri).backend,
    };
    return this.begin(
      loaded,
      { kind: 'evaluate', job },
      { kind: 'evaluate', role: 'evaluate', label: `evaluate ${path.basename(run)}`, data: { source: job.source.path, target: job.target.path } },
      'evaluate',
      (dir) => (job.out = dir),
    );
  }

  /**
   * Pushes a dataset file through a morph run (default: the newest) into a new file in a run folder
   * (`format`, default CSV), condition columns carried along; `targetCondition` for conditional runs
   * (default: each row's own).
   */
  async morphFile(file: vscode.Uri, opts: { run?: string; inverse?: boolean; dataset?: string; format?: ExportFormat; targetCondition?: number[] } = {}): Promise<RunRecord> {
    const stem = path.parse(file.fsPath).name;
    const name = `${stem}${opts.inverse ? '.unmorphed' : '.morphed'}${formatExt(opts.format ?? 'csv')}`;
    return this.transport(
      { path: file.fsPath, dataset: opts.dataset, workspaceRoot: workspaceRootOf(file) },
      { ...opts, label: `morph ${path.basename(file.fsPath)}${opts.inverse ? ' (inverse)' : ''}`, slug: `transport-${stem}`, out: (dir) => path.join(dir, name) },
    );
  }

  /** A transport job (whole dataset through a morph run) in a new run folder; `out` names the file. */
  async transport(data: DataSpec, opts: { run?: string; inverse?: boolean; targetCondition?: number[]; label: string; slug: string; out: (dir: string) => string }): Promise<RunRecord> {
    const loaded = await this.experiment();
    const run = opts.run ?? latestMorph(this.runs(loaded))?.path;
    if (!run) throw new Error(vscode.l10n.t('No finished morph run yet: train a morph first (Flowmorph: Train Morph).'));
    const job: TransportJob = {
      run,
      data,
      out: '',
      inverse: opts.inverse,
      targetCondition: opts.targetCondition,
      withConditions: true,
      backend: settings(loaded.uri).backend,
    };
    return this.begin(
      loaded,
      { kind: 'transport', job },
      { kind: 'transport', role: 'transport', label: opts.label, data: { source: data.path } },
      opts.slug,
      (dir) => (job.out = opts.out(dir)),
    );
  }

  /**
   * Export Samples. For a morph run (`run`, else the run of the latest snapshot, else the newest morph):
   * its whole source dataset through the morph, into `<run>/samples/<name>.morphed.<ext>` (condition
   * columns carried along). For a base flow: the latest snapshot's clouds (data and model samples, the
   * points the panel plots) into `<run>/samples/`. Returns the files.
   */
  async exportSamples(opts: { run?: string; folder?: string; format?: ExportFormat; targetCondition?: number[] } = {}): Promise<string[]> {
    const ext = formatExt(opts.format ?? 'csv');
    const last = this.trainer.lastSnapshot;
    let runDir = opts.run ?? last?.run.path;
    if (!runDir || (!fs.existsSync(path.join(runDir, 'run.json')) && last?.run.path !== runDir)) {
      const loaded = await this.experiment();
      runDir = opts.run ?? latestMorph(this.runs(loaded))?.path;
    }
    if (!runDir) throw new Error(vscode.l10n.t('No samples yet: train a model first.'));
    const folder = opts.folder ?? path.join(runDir, 'samples');
    if (fs.existsSync(path.join(runDir, 'run.json'))) {
      const meta = readRunMeta(runDir);
      const src = meta.data.source;
      const file = path.join(folder, `${path.parse(src.replace(/^toy:/i, 'toy-').replace(/:/g, '-')).name}.morphed${ext}`);
      const loaded = await this.experiment();
      const exp = loaded.experiment.source ? absoluteSpec(loaded.uri, loaded.experiment.source) : undefined;
      const spec: DataSpec = exp && path.resolve(exp.path) === path.resolve(src) ? exp : { path: src };
      const rec = await this.transport(spec, { run: runDir, targetCondition: opts.targetCondition, label: `export samples of ${path.basename(runDir)}`, slug: 'export-samples', out: () => file });
      if (rec.status !== 'done') throw new Error(rec.error ? vscode.l10n.t('Export Samples: {0}: {1}', rec.status, rec.error) : vscode.l10n.t('Export Samples: {0}', rec.status));
      return [file];
    }
    if (!last || last.run.path !== runDir) throw new Error(vscode.l10n.t("No samples of {0} in this window: a base flow's samples are those of its last snapshot.", path.basename(runDir)));
    const { snapshot } = last;
    const columns = recordedColumns(runDir, (c) => c.length === snapshot.cols) ?? Array.from({ length: snapshot.cols }, (_, i) => `x${i}`);
    // Written in a worker: the writers (h5wasm, Parquet) never load on the extension host's thread.
    const files = Object.entries(snapshot.clouds)
      .filter((e): e is [string, Float32Array] => !!e[1])
      .map(([name, data]) => ({ file: path.join(folder, `${name}${ext}`), rows: data.length / snapshot.cols, cols: snapshot.cols, data, columns }));
    await this.trainer.oneShot({ kind: 'writeSamples', job: { files } }, 120_000);
    return files.map((f) => f.file);
  }

  /** What the panel calls "what" for a run. */
  static whatOf(r: RunRecord): TrainWhat {
    return r.role === 'source' || r.role === 'target' ? r.role : r.role === 'file' ? 'base' : r.role === 'evaluate' ? 'evaluate' : 'morph';
  }
}
