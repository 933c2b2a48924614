/**
 * Connects the panel (src/host/panel.ts, webview/) to the rest of the host: forwards training events as
 * HostToWebview messages (recorded for replay whether or not the panel is open), keeps the panel's
 * `state` current, and carries out what the panel asks (WebviewToHost, already validated by panel.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../data/atomic';
import { applyDesignerEdit } from '../config/designer';
import { defaultExperiment } from '../config/experiment';
import { toFloat32, type ConditionInfo, type DensityGrid, type ExportBackground, type HostToWebview, type RunInfo, type WebviewToHost } from '../protocol/webview';
import { trainMorphWithDensity } from './densityMorph';
import { Controller } from './controller';
import { absoluteSpec, outputRoot, UnsavedEditorError, type LoadedExperiment } from './experiment';
import type { Log } from './log';
import { Reply } from '../protocol/reply';
import { FlowmorphPanel } from './panel';
import type { Snapshot } from '../jobs/types';
import type { ConditionMorphResult } from '../worker/conditionMorph';
import { latestModel, latestMorph, readRecord, recordedColumns, type RunRecord } from './runs';
import { settings } from './settings';
import { latestView, runViewMessages, RunViewWriter } from './runView';

/** Phases a run draws curves for, cleared when it starts again. */
function phasesOf(r: RunRecord): ('source' | 'target' | 'fit' | 'morph')[] {
  if (r.kind === 'fit') return r.role === 'target' ? ['target'] : r.role === 'source' ? ['source'] : ['fit'];
  if (r.kind === 'morph') return ['morph'];
  return [];
}

function runInfo(r: RunRecord): RunInfo {
  return { id: r.id, label: r.label, kind: r.kind, path: r.path, status: r.status, summary: r.summary };
}

export class PanelBridge implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private exportWaiter: { folder: string; files: string[]; reply: Reply<string[]> } | undefined;
  /** The experiment file the panel's plots belong to; another one clears them (and the replay). */
  private shownExperiment: string | undefined;
  /** Keeps the running run's curves and clouds in its folder, for a reload or a later Open in Panel. */
  private writer: RunViewWriter | undefined;
  /** Heat maps and slider morphs: one of each computed at a time, the newest request waiting. */
  private readonly densities = new NewestWins<Extract<WebviewToHost, { type: 'requestDensity' }>>((m) =>
    this.computeDensity(m).catch((e: Error) => this.log.warn(`density grid of the ${m.which} flow: ${e.message} (the panel shows a histogram of its samples)`)),
  );
  private readonly conditionMorphs = new NewestWins<number[]>((value) =>
    this.morphToCondition(value).catch((e: Error) => this.post({ type: 'status', level: 'warn', text: vscode.l10n.t('Morph to the chosen condition: {0}', e.message) })),
  );

  constructor(
    private readonly controller: Controller,
    private readonly log: Log,
  ) {
    const { trainer, store } = controller;
    this.subs.push(
      trainer.onEvent((e) => {
        switch (e.type) {
          case 'started':
            this.writer = new RunViewWriter(e.run.path, (m) => this.log.warn(m));
            for (const phase of phasesOf(e.run)) this.post({ type: 'clear', what: 'curves', phase });
            if (e.run.kind === 'morph') this.post({ type: 'clear', what: 'metrics' });
            this.post({ type: 'running', running: { what: Controller.whatOf(e.run), startedAt: Date.parse(e.run.startedAt) } });
            break;
          case 'progress':
            this.writer?.progress(e.progress);
            this.post({ type: 'progress', progress: e.progress });
            break;
          case 'snapshot':
            this.writer?.snapshot(e.snapshot, e.paired);
            this.post({ type: 'snapshot', snapshot: e.snapshot, paired: e.paired });
            if (e.snapshot.evaluation) this.post({ type: 'metrics', summary: e.snapshot.evaluation, step: e.snapshot.step });
            break;
          case 'ended': {
            this.writer?.flush();
            this.writer = undefined;
            this.post({ type: 'running', running: null });
            const ev = e.run.evaluation ?? (e.run.summary && 'evaluation' in e.run.summary ? e.run.summary.evaluation : undefined);
            if (ev) this.post({ type: 'metrics', summary: ev, step: e.run.summary?.steps });
            const level = e.run.status === 'failed' ? 'error' : e.run.status === 'cancelled' ? 'warn' : 'info';
            this.post({ type: 'status', level, text: e.run.error ? vscode.l10n.t('{0}: {1} ({2})', e.run.label, e.run.status, e.run.error) : vscode.l10n.t('{0}: {1}', e.run.label, e.run.status) });
            void this.postState();
            break;
          }
        }
      }),
      // A designer edit is echoed by its own `designer` message: one post per edit.
      store.onDidChange((e) => void (e.origin === 'designer' ? undefined : this.postState())),
      FlowmorphPanel.onMessage((msg) => void this.handle(msg).catch((err: Error) => this.fail(msg.type, err))),
    );
  }

  dispose(): void {
    this.writer?.flush();
    for (const s of this.subs) s.dispose();
  }

  /**
   * After a window reload (the extension host restarted, so the replay is empty): draws the newest runs
   * again from their folders, and offers to resume a run the reload interrupted.
   */
  async restore(): Promise<void> {
    const loaded = await this.controller.store.get();
    if (!loaded) return;
    const runs = this.controller.runs(loaded);
    const shown = latestView(runs);
    if (shown.length > 0) {
      this.post({ type: 'clear', what: 'all' });
      for (const m of runViewMessages(shown)) this.post(m);
      this.log.info(`panel: restored ${shown.map((r) => path.basename(r.path)).join(', ')}`);
    }
    const interrupted = runs.find((r) => r.status === 'interrupted');
    if (interrupted) {
      const resumable = interrupted.kind === 'fit';
      const resume = vscode.l10n.t('Resume');
      const open = vscode.l10n.t('Open in Panel');
      const actions = resumable ? [resume, open] : [open];
      const note = resumable ? vscode.l10n.t('Resume it from its last checkpoint?') : vscode.l10n.t('A morph cannot resume yet: train it again to finish.');
      void vscode.window.showWarningMessage(vscode.l10n.t('Flowmorph: "{0}" was interrupted (the window closed or reloaded while it trained). {1}', interrupted.label, note), ...actions).then((a) => {
        if (a === resume) void vscode.commands.executeCommand('flowmorph.resumeRun', interrupted.path);
        else if (a === open) void vscode.commands.executeCommand('flowmorph.openRun', interrupted.path);
      });
    }
  }

  /**
   * The newest base model of the experiment's source or target: a base-flow run on that file, else the one
   * the newest morph run on that file trained for itself (run.json names it).
   */
  private baseModel(loaded: LoadedExperiment, role: 'source' | 'target'): string | undefined {
    const spec = loaded.experiment[role];
    if (!spec) return undefined;
    const file = path.resolve(absoluteSpec(loaded.uri, spec).path);
    const runs = this.controller.runs(loaded);
    const own = latestModel(runs, role, file);
    if (own) return own;
    for (const r of runs) {
      if (r.kind !== 'morph' || r.status !== 'done' || !r.data[role] || path.resolve(r.data[role]!) !== file) continue;
      try {
        const meta = JSON.parse(fs.readFileSync(path.join(r.path, 'run.json'), 'utf8')) as Record<string, unknown>;
        const rel = meta[role === 'source' ? 'sourceModel' : 'targetModel'];
        if (typeof rel !== 'string') continue;
        const dir = path.resolve(r.path, rel);
        if (fs.existsSync(path.join(dir, 'model.json'))) return dir;
      } catch {
        /* no run.json: not a finished morph */
      }
    }
    return undefined;
  }

  /**
   * The target-condition slider of a conditional experiment: the target base flow's condition columns,
   * spanning the mean ± 2 standard deviations of its training conditions, at the value last chosen.
   */
  private conditionInfo(loaded: LoadedExperiment): ConditionInfo | undefined {
    const model = this.baseModel(loaded, 'target');
    if (!model) return undefined;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8')) as { conditionColumns?: string[]; conditionScaler?: { shift?: number[]; scale?: number[] } };
      const names = meta.conditionColumns ?? [];
      const mean = meta.conditionScaler?.shift ?? [];
      const sd = meta.conditionScaler?.scale ?? [];
      if (names.length === 0 || mean.length !== names.length || sd.length !== names.length) return undefined;
      const chosen = this.controller.targetCondition;
      return {
        names,
        min: mean.map((m, i) => m - 2 * sd[i]),
        max: mean.map((m, i) => m + 2 * sd[i]),
        value: chosen && chosen.length === names.length ? chosen : mean.slice(),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * The slider, live: the newest morph run pushes source rows to target condition `value` (in a worker),
   * and the panel draws them against the target rows of that condition bin.
   */
  private async morphToCondition(value: number[]): Promise<void> {
    const loaded = await this.controller.store.get();
    if (!loaded?.experiment.source || !loaded.experiment.target) return;
    const run = latestMorph(this.controller.runs(loaded));
    if (!run) {
      this.post({ type: 'status', level: 'info', text: vscode.l10n.t('Target condition set; train a morph to see it morph there.') });
      return;
    }
    const t0 = Date.now();
    const n = settings(loaded.uri).plotPoints;
    const r = (await this.controller.trainer.oneShot({
      kind: 'conditionMorph',
      job: { run: run.path, source: absoluteSpec(loaded.uri, loaded.experiment.source), target: absoluteSpec(loaded.uri, loaded.experiment.target), n, condition: value },
    })) as unknown as ConditionMorphResult;
    if (!(await this.stillCurrent(loaded, `morph to condition ${value.join(', ')}`))) return;
    const clouds: Snapshot['clouds'] = {};
    for (const name of ['source', 'target', 'morphed', 'baseTransfer'] as const) {
      const c = toFloat32(r.clouds[name]);
      if (c) clouds[name] = c;
    }
    this.post({ type: 'snapshot', snapshot: { phase: 'morph', step: run.summary?.steps ?? 0, cols: r.cols, clouds }, paired: true });
    const names = this.conditionInfo(loaded)?.names ?? value.map((_, i) => `c${i}`);
    const bins = r.bin.map(([a, b], i) => `${names[i]} in [${a.toPrecision(4)}, ${b.toPrecision(4)}]`).join(', ');
    this.post({ type: 'status', level: 'info', text: vscode.l10n.t('Morphed to {0}; target: the {1} rows with {2}.', value.map((v, i) => `${names[i]} = ${v.toPrecision(4)}`).join(', '), r.targetRows, bins) });
    this.log.info(`morph to condition ${value.join(', ')}: ${r.targetRows} target rows in the bin, ${Date.now() - t0} ms`);
  }

  private async computeDensity(msg: Extract<WebviewToHost, { type: 'requestDensity' }>): Promise<void> {
    const loaded = await this.controller.store.get();
    const model = loaded && this.baseModel(loaded, msg.which);
    if (!model) return; // no trained flow yet: the panel shows a histogram of its samples, if any
    const t0 = Date.now();
    const { xFeature, yFeature, n, xRange, yRange, fixed } = msg;
    const r = (await this.controller.trainer.oneShot({ kind: 'density', job: { model, xFeature, yFeature, n, xRange, yRange, fixed, condition: this.controller.targetCondition } })) as unknown as DensityGrid;
    if (!(await this.stillCurrent(loaded, `density grid of the ${msg.which} flow`))) return;
    const logp = toFloat32(r.logp);
    if (!logp || logp.length !== r.nx * r.ny) throw new Error('the worker sent a grid of the wrong size'); // l10n-ignore: an invariant (logged)
    this.post({ type: 'density', which: msg.which, grid: { ...r, logp } });
    this.log.info(`density grid of the ${msg.which} flow: ${n}×${n} over features ${xFeature}, ${yFeature}${r.condition ? ` at condition ${r.condition.map((v) => v.toPrecision(4)).join(', ')}` : ''} in ${Date.now() - t0} ms`);
  }

  /**
   * Whether `loaded` is still the current experiment once a worker answered: the user may have switched to
   * another while the slider's morph or a heat map was computed, and its answer must not land in that
   * experiment's plots (seen in the UI test: the 5-D dijet morph drawn in the untrained 2-D demo's panel).
   */
  private async stillCurrent(loaded: LoadedExperiment, what: string): Promise<boolean> {
    const now = await this.controller.store.get();
    if (now?.uri.toString() === loaded.uri.toString()) return true;
    this.log.info(`${what}: dropped, the experiment changed to ${now ? vscode.workspace.asRelativePath(now.uri) : 'none'} meanwhile`);
    return false;
  }

  /** Shows one run's curves, clouds and evaluation (from its folder) in the panel, instead of what was there. */
  async showRun(dir: string): Promise<RunRecord> {
    const rec = readRecord(dir);
    if (!rec) throw new Error(vscode.l10n.t('{0} is not a Flowmorph run folder (no status record).', dir));
    const msgs = runViewMessages([rec]);
    this.post({ type: 'clear', what: 'all' });
    for (const m of msgs) this.post(m);
    this.post({ type: 'status', level: msgs.length ? 'info' : 'warn', text: msgs.length ? vscode.l10n.t('Showing {0} ({1})', rec.label, rec.status) : vscode.l10n.t('{0}: nothing was recorded to draw (runs from before this version keep no curves)', rec.label) });
    return rec;
  }

  private post(msg: HostToWebview): void {
    void FlowmorphPanel.post(msg);
  }

  private fail(what: string, err: Error): void {
    this.log.error(`panel ${what}: ${err.stack ?? err.message}`);
    this.post({ type: 'status', level: 'error', text: err.message });
  }

  /** Sends the full state (experiment, runs, running job, backend). */
  async postState(): Promise<void> {
    const loaded = await this.controller.store.get();
    const { trainer } = this.controller;
    const running = trainer.running?.record;
    const file = loaded?.uri.toString() ?? '';
    if (this.shownExperiment !== undefined && file !== this.shownExperiment) this.post({ type: 'clear', what: 'all' });
    this.shownExperiment = file;
    if (!loaded) {
      this.post({ type: 'state', experiment: defaultExperiment(), errors: ['No experiment yet: run "Flowmorph: New Experiment" or pick a source dataset.'], runs: [], running: null, backend: trainer.backend });
      return;
    }
    this.post({
      type: 'state',
      experiment: loaded.experiment,
      experimentPath: vscode.workspace.asRelativePath(loaded.uri),
      errors: loaded.errors,
      runs: this.controller.runs(loaded).map(runInfo),
      running: running ? { what: Controller.whatOf(running), startedAt: Date.parse(running.startedAt) } : null,
      features: featureNames(this.controller.runs(loaded), [loaded.experiment.source, loaded.experiment.target].map((d) => (d ? absoluteSpec(loaded.uri, d).path : undefined))),
      condition: this.conditionInfo(loaded),
      backend: trainer.backend,
      nllReference: tutorialReference(
        [loaded.experiment.source, loaded.experiment.target].map((d) => d?.path),
        [...(running ? [running] : []), ...this.controller.runs(loaded)],
      ),
    });
  }

  /**
   * Asks the panel for every chart as PNG (2×) and SVG on `background` and writes them to `folder`;
   * resolves with the files once the panel says exportDone. The panel must be open.
   */
  exportPlots(folder: string, timeoutMs = 60_000, background: ExportBackground = 'theme'): Promise<string[]> {
    if (!FlowmorphPanel.current) return Promise.reject(new Error(vscode.l10n.t('The Flowmorph panel is not open.')));
    const reply: Reply<string[]> = new Reply({ ms: timeoutMs, message: `the panel did not export its plots within ${timeoutMs / 1000} s` }, () => {
      if (this.exportWaiter?.reply === reply) this.exportWaiter = undefined;
    });
    this.exportWaiter = { folder, files: [], reply };
    this.post({ type: 'exportPlots', background });
    return reply.promise;
  }

  private async handle(msg: WebviewToHost): Promise<void> {
    const c = this.controller;
    switch (msg.type) {
      case 'ready':
        await this.postState();
        break;
      case 'startTraining':
        if (msg.what === 'base') await c.trainBase('both');
        else if (msg.what === 'source' || msg.what === 'target') await c.trainBase(msg.what);
        else if (msg.what === 'morph') await c.trainMorph();
        else await c.evaluate();
        break;
      case 'trainWithDensity':
        await trainMorphWithDensity(c, (experiment) => this.post({ type: 'designer', experiment, errors: [] }));
        break;
      case 'stop':
        await c.trainer.stop();
        break;
      case 'designerEdit': {
        let error: string | undefined;
        let next: LoadedExperiment;
        try {
          next = await c.store.update((exp) => {
            const r = applyDesignerEdit(exp, msg.path, msg.value);
            if (!r.ok) {
              error = r.error;
              return exp;
            }
            return r.experiment;
          }, 'designer');
        } catch (e) {
          if (!(e instanceof UnsavedEditorError)) throw e;
          // Refused (unsaved changes in an editor): the designer shows the file as it is, and why.
          const now = await c.store.get();
          if (!now) throw e;
          this.post({ type: 'designer', experiment: now.experiment, errors: [e.message, ...now.errors] });
          break;
        }
        this.post({ type: 'designer', experiment: next.experiment, errors: error ? [error] : [] });
        break;
      }
      case 'setTargetCondition':
        c.targetCondition = msg.value;
        // The panel asks for the heat map at the new condition itself; the morph is redrawn here.
        void this.conditionMorphs.run(msg.value);
        break;
      case 'exportPlot': {
        // The export in progress is taken before any await: exportDone (handled without one) must not
        // overtake this chart, or it would be written elsewhere and missing from the list.
        const w = this.exportWaiter;
        const loaded = w ? undefined : await c.store.get();
        const folder = w?.folder ?? (loaded ? path.join(outputRoot(loaded), 'plots') : undefined);
        if (!folder) throw new Error(vscode.l10n.t('No experiment folder to export plots into.'));
        const file = path.join(folder, `${msg.name}.png`);
        writeFileAtomic(file, FlowmorphPanel.pngBytes(msg.pngDataUrl));
        w?.files.push(file);
        this.log.info(`exported ${file}`);
        break;
      }
      case 'exportPlotSvg': {
        // Only into the folder Export Plots chose (the panel's own button runs that command).
        const w = this.exportWaiter;
        if (!w) throw new Error('An SVG plot arrived without an Export Plots in progress.'); // l10n-ignore: an invariant of the protocol
        const file = path.join(w.folder, `${msg.name}.svg`);
        writeFileAtomic(file, msg.svg);
        w.files.push(file);
        this.log.info(`exported ${file}`);
        break;
      }
      case 'exportRequest':
        void vscode.commands.executeCommand('flowmorph.exportPlots');
        break;
      case 'exportDone': {
        const w = this.exportWaiter;
        if (w) w.reply.resolve(w.files);
        else this.post({ type: 'status', level: 'info', text: vscode.l10n.t('Plots saved ({0}).', msg.names.length) });
        break;
      }
      case 'requestDensity':
        void this.densities.run(msg);
        break;
      case 'openRun': {
        const loaded = await c.store.get();
        const run = loaded ? c.runs(loaded).find((r) => r.id === msg.id) : undefined;
        if (!run) throw new Error(vscode.l10n.t('No run {0} in this experiment.', msg.id));
        await this.showRun(run.path);
        break;
      }
      case 'openExperiment': {
        const loaded = await c.store.get();
        if (loaded) await vscode.window.showTextDocument(loaded.uri);
        break;
      }
      case 'reportDrawn':
      case 'log':
        break; // handled by panel.ts
    }
  }
}

/**
 * Feature column names from the newest model of this experiment's data that recorded them (runs of other
 * experiments share the output folder: their columns must not label this one's axes).
 */
function featureNames(runs: RunRecord[], files: (string | undefined)[]): string[] | undefined {
  const mine = new Set(files.filter((f): f is string => !!f && !/^toy:/i.test(f)).map((f) => path.resolve(f)));
  for (const r of runs) {
    const used = [r.data.source, r.data.target].filter((f): f is string => !!f && !/^toy:/i.test(f));
    if (!used.some((f) => mine.has(path.resolve(f)))) continue;
    const columns = recordedColumns(r.path);
    if (columns) return columns;
  }
  return undefined;
}

/**
 * Runs `work` for one request at a time; requests that arrive meanwhile replace each other, and the newest
 * runs next (a slider dragged through ten values computes the first and the last).
 */
class NewestWins<T> {
  private busy = false;
  private next: { value: T } | undefined;

  constructor(private readonly work: (value: T) => Promise<unknown>) {}

  async run(value: T): Promise<void> {
    if (this.busy) {
      this.next = { value };
      return;
    }
    this.busy = true;
    try {
      for (let v: { value: T } | undefined = { value }; v; v = this.next) {
        this.next = undefined;
        await this.work(v.value);
      }
    } finally {
      this.busy = false;
    }
  }
}

/** The walkthrough's data file (walkthrough/2-fit.md): 400 draws of N(2, 1). */
export const TUTORIAL_FILE = 'shifted-normal.csv';

/**
 * The tutorial's expected NLL, when the experiment shown reads the tutorial's file and a base flow was
 * trained on it: the entropy of N(2, 1). The runs folder is shared by every experiment of the workspace, so
 * the experiment's own files decide (another experiment's NLL chart must not get the tutorial's line).
 */
export function tutorialReference(experimentFiles: (string | undefined)[], runs: RunRecord[]): { value: number; label: string } | undefined {
  const isTutorial = (f: string | undefined): boolean => !!f && path.basename(f) === TUTORIAL_FILE;
  if (!experimentFiles.some(isTutorial)) return undefined;
  const trained = runs.some((r) => r.kind === 'fit' && [r.data.source, r.data.target].some(isTutorial));
  return trained ? { value: 0.5 * Math.log(2 * Math.PI * Math.E), label: 'entropy of N(2, 1)' } : undefined;
}
