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
import { mergeTrain, resolveExperiment, type EvaluateJobSpec, type TrainWhat, type WorkerJob } from '../protocol';
import { absoluteSpec, outputRoot, workspaceRootOf, type ExperimentStore, type LoadedExperiment } from './experiment';
import { createRunDir, latestModel, latestMorph, listRuns, type RunRecord } from './runs';
import { settings } from './settings';
import type { Trainer } from './trainer';
import { matrixToCsv } from './datasets';
import { writeFileAtomicSync } from '../core/io/atomic';

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
  /** Target condition chosen in the panel (conditional morphs), used by Morph File. */
  targetCondition: number[] | undefined;

  constructor(
    readonly store: ExperimentStore,
    readonly trainer: Trainer,
  ) {}

  /** The current experiment, which must name the datasets `need`. */
  private async experiment(need: ('source' | 'target')[] = []): Promise<LoadedExperiment> {
    const loaded = await this.store.ensure();
    if (loaded.errors.length) throw new Error(`${vscode.workspace.asRelativePath(loaded.uri)}: ${loaded.errors.join('; ')}`);
    for (const role of need) {
      if (!loaded.experiment[role]) throw new Error(`The experiment has no ${role} dataset yet: right-click a data file › Flowmorph: Use as ${role === 'source' ? 'Source' : 'Target'}.`);
    }
    return loaded;
  }

  runs(loaded: LoadedExperiment): RunRecord[] {
    return listRuns(outputRoot(loaded), this.trainer.running?.record.id);
  }

  private begin(loaded: LoadedExperiment, job: WorkerJob, rec: Omit<RunRecord, 'id' | 'path' | 'status' | 'startedAt'>, slug: string, fill: (dir: string) => void): Promise<RunRecord> {
    const dir = createRunDir(outputRoot(loaded), slug);
    fill(dir);
    const record: RunRecord = { ...rec, id: path.basename(dir), path: dir, status: 'running', startedAt: new Date().toISOString() };
    return this.trainer.start(job, record, { plotPoints: settings(loaded.uri).plotPoints }).done;
  }

  /** Trains a base flow on `data` (the experiment's base preset and overrides, then `opts`). */
  private fit(loaded: LoadedExperiment, role: 'source' | 'target' | 'file', data: DataSpec, opts: TrainOptions): Promise<RunRecord> {
    const r = resolveExperiment(loaded.experiment);
    const job: FitJob = {
      data,
      out: '',
      preset: loaded.experiment.base.preset,
      flow: r.base.flow,
      train: mergeTrain(r.base.train, trainOverrides(opts)),
      backend: settings(loaded.uri).backend,
    };
    const name = path.basename(data.path);
    return this.begin(
      loaded,
      { kind: 'fit', job },
      { kind: 'fit', role, label: `base flow on ${name}${role === 'file' ? '' : ` (${role})`}`, data: role === 'target' ? { target: data.path } : { source: data.path } },
      `fit-${role}-${path.parse(name).name}`,
      (dir) => (job.out = dir),
    );
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
    const r = resolveExperiment(exp);
    const source = absoluteSpec(loaded.uri, exp.source!);
    const target = absoluteSpec(loaded.uri, exp.target!);
    const runs = this.runs(loaded);
    const job: MorphJob = {
      source,
      target,
      out: '',
      sourceModel: latestModel(runs, 'source', source.path),
      targetModel: latestModel(runs, 'target', target.path),
      basePreset: exp.base.preset,
      baseFlow: r.base.flow,
      baseTrain: mergeTrain(r.base.train, opts.baseSteps !== undefined ? { steps: opts.baseSteps } : {}),
      method: r.morph.method,
      ot: r.morph.ot,
      mode: r.morph.mode,
      direction: r.morph.direction,
      iterateEpochs: r.morph.iterateEpochs,
      penalty: r.morph.penalty,
      top: r.morph.top,
      train: mergeTrain(r.morph.train, trainOverrides(opts)),
      backend: settings(loaded.uri).backend,
    };
    return this.begin(
      loaded,
      { kind: 'morph', job },
      { kind: 'morph', role: 'morph', label: `morph ${path.basename(source.path)} → ${path.basename(target.path)}`, data: { source: source.path, target: target.path } },
      'morph',
      (dir) => (job.out = dir),
    );
  }

  /** Held-out evaluation of a morph run (default: the newest). */
  async evaluate(opts: { run?: string; n?: number } = {}): Promise<RunRecord> {
    const loaded = await this.experiment(['source', 'target']);
    const run = opts.run ?? latestMorph(this.runs(loaded))?.path;
    if (!run) throw new Error('No finished morph run to evaluate: train a morph first.');
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

  /** Pushes a dataset file through a morph run (default: the newest) into a new CSV in a run folder. */
  async morphFile(file: vscode.Uri, opts: { run?: string; inverse?: boolean; dataset?: string } = {}): Promise<RunRecord> {
    const loaded = await this.experiment();
    const run = opts.run ?? latestMorph(this.runs(loaded))?.path;
    if (!run) throw new Error('No finished morph run yet: train a morph first (Flowmorph: Train Morph).');
    const stem = path.parse(file.fsPath).name;
    const job: TransportJob = {
      run,
      data: { path: file.fsPath, dataset: opts.dataset, workspaceRoot: workspaceRootOf(file) },
      out: '',
      inverse: opts.inverse,
      targetCondition: this.targetCondition,
      backend: settings(loaded.uri).backend,
    };
    return this.begin(
      loaded,
      { kind: 'transport', job },
      { kind: 'transport', role: 'transport', label: `morph ${path.basename(file.fsPath)}${opts.inverse ? ' (inverse)' : ''}`, data: { source: file.fsPath } },
      `transport-${stem}`,
      (dir) => (job.out = path.join(dir, `${stem}${opts.inverse ? '.unmorphed' : '.morphed'}.csv`)),
    );
  }

  /**
   * Writes the latest snapshot's sample clouds (data, model samples, morphed points) as CSV files into
   * `<run>/samples/`. Returns the files.
   */
  exportSamples(opts: { folder?: string } = {}): string[] {
    const last = this.trainer.lastSnapshot;
    if (!last) throw new Error('No samples yet: train a model first (they are the points the panel plots).');
    const { run, snapshot } = last;
    const folder = opts.folder ?? path.join(run.path, 'samples');
    const columns = columnNames(run.path, snapshot.cols);
    const files: string[] = [];
    for (const [name, data] of Object.entries(snapshot.clouds)) {
      if (!data) continue;
      const rows = data.length / snapshot.cols;
      const file = path.join(folder, `${name}.csv`);
      writeFileAtomicSync(file, matrixToCsv({ rows, cols: snapshot.cols, data, columns }));
      files.push(file);
    }
    return files;
  }

  /** What the panel calls "what" for a run. */
  static whatOf(r: RunRecord): TrainWhat {
    return r.role === 'source' || r.role === 'target' ? r.role : r.role === 'file' ? 'base' : r.role === 'evaluate' ? 'evaluate' : 'morph';
  }
}

/** Column names of a run's data from its model.json / run.json, else x0, x1, … */
function columnNames(dir: string, cols: number): string[] {
  for (const f of ['model.json', 'run.json']) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { columns?: string[] };
      if (meta.columns?.length === cols) return meta.columns;
    } catch {
      /* not written (yet) */
    }
  }
  return Array.from({ length: cols }, (_, i) => `x${i}`);
}
