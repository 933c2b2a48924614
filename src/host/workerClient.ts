/**
 * Runs jobs in the training worker (dist/worker.js), one at a time: starts a fresh worker per job (a
 * clean tfjs state and memory each time; start-up costs ~0.1 s), forwards its progress and snapshots as
 * events, keeps the run's status record on disk, and cancels on request (the job's `cancelled()` hook
 * turns true; training stops within one step and keeps its last checkpoint).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as vscode from 'vscode';
import type { EvaluateSummary, Progress, Snapshot } from '../jobs/types';
import { Reply } from '../protocol/reply';
import type { HostToWorker, WorkerInit, WorkerJob, WorkerToHost } from '../protocol/worker';
import type { Log } from './log';
import { writeRecord, type RunRecord } from './runs';

export type TrainerEvent =
  | { type: 'started'; run: RunRecord }
  | { type: 'progress'; run: RunRecord; progress: Progress }
  | { type: 'snapshot'; run: RunRecord; snapshot: Snapshot; paired?: boolean }
  | { type: 'ended'; run: RunRecord };

export interface ActiveRun {
  record: RunRecord;
  /** Resolves with the final record (status done, cancelled or failed); never rejects. */
  done: Promise<RunRecord>;
  cancel(): void;
}

/** How long a cancelled job may take to stop on its own before the worker is terminated. */
const CANCEL_GRACE_MS = 60_000;

export class WorkerClient implements vscode.Disposable {
  private readonly events = new vscode.EventEmitter<TrainerEvent>();
  readonly onEvent = this.events.event;
  private active: (ActiveRun & { worker: Worker }) | undefined;
  /** The backend the last worker reported ('wasm', 'cpu', 'native'). */
  backend: string | undefined;
  /** The latest snapshot of the latest run (for Export Samples). */
  lastSnapshot: { run: RunRecord; snapshot: Snapshot } | undefined;

  constructor(
    private readonly workerFile: string,
    private readonly log: Log,
    private readonly init: () => WorkerInit,
  ) {}

  get running(): ActiveRun | undefined {
    return this.active;
  }

  dispose(): void {
    this.active?.cancel();
    void this.active?.worker.terminate();
    this.events.dispose();
  }

  /**
   * Runs a short job (a density grid, a morph to one condition, writing samples) in a worker of its own, beside any training, and resolves with its
   * summary. The worker ends with the job; `timeoutMs` bounds the whole.
   */
  oneShot(job: Extract<WorkerJob, { kind: 'density' | 'conditionMorph' | 'writeSamples' }>, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const worker = new Worker(this.workerFile, { workerData: this.init() });
    const id = `oneshot-${Date.now()}`;
    const reply = new Reply<Record<string, unknown>>({ ms: timeoutMs, message: `the ${job.kind} job took longer than ${timeoutMs / 1000} s` }, () => void worker.terminate());
    worker.on('message', (m: WorkerToHost) => {
      if (m.type === 'ready') worker.postMessage({ type: 'start', id, ...job } as HostToWorker);
      else if (m.type === 'done' && m.id === id) reply.resolve(m.summary as Record<string, unknown>);
      else if (m.type === 'error') reply.reject(new Error(m.message));
    });
    worker.on('error', (e) => reply.reject(e));
    worker.on('exit', (code) => reply.reject(new Error(vscode.l10n.t('worker exited (code {0})', code))));
    return reply.promise;
  }

  /** Starts `job`; `record` is its run folder's status record (status 'running'). Throws if a job runs. */
  start(job: WorkerJob, record: RunRecord, hooks: { plotPoints: number }): ActiveRun {
    if (this.active) throw new Error(vscode.l10n.t('Flowmorph is already running "{0}"; stop it first.', this.active.record.label));
    writeRecord(record);
    const worker = new Worker(this.workerFile, { workerData: this.init() });
    let cancelRequested = false;
    let killTimer: NodeJS.Timeout | undefined;
    let finish!: (r: RunRecord) => void;
    const done = new Promise<RunRecord>((resolve) => (finish = resolve));
    const end = (patch: Partial<RunRecord>) => {
      if (record.status !== 'running') return; // already ended
      Object.assign(record, patch, { endedAt: new Date().toISOString() });
      if (killTimer) clearTimeout(killTimer);
      try {
        writeRecord(record);
      } catch (e) {
        this.log.error(`could not write the status of ${record.path}: ${(e as Error).message}`);
      }
      void worker.terminate();
      this.active = undefined;
      const secs = (Date.parse(record.endedAt!) - Date.parse(record.startedAt)) / 1000;
      this.log.info(`${record.label}: ${record.status} after ${secs.toFixed(1)} s${record.error ? `: ${record.error}` : ''}`);
      this.events.fire({ type: 'ended', run: record });
      finish(record);
    };
    const post = (m: HostToWorker) => worker.postMessage(m);

    worker.on('message', (m: WorkerToHost) => {
      switch (m.type) {
        case 'ready':
          this.backend = m.backend;
          this.log.info(`${record.label}: worker ready on the ${m.backend} backend`);
          post({ type: 'start', id: record.id, hooks: { plotPoints: hooks.plotPoints }, ...job } as HostToWorker);
          break;
        case 'progress':
          this.events.fire({ type: 'progress', run: record, progress: m.progress });
          break;
        case 'snapshot':
          this.lastSnapshot = { run: record, snapshot: m.snapshot };
          this.events.fire({ type: 'snapshot', run: record, snapshot: m.snapshot, paired: m.paired });
          break;
        case 'log':
          this.log.info(m.line);
          break;
        case 'done': {
          const s = m.summary as { cancelled?: boolean; out?: string; evaluation?: EvaluateSummary };
          const cancelled = s.cancelled === true || cancelRequested;
          const patch: Partial<RunRecord> = { status: cancelled ? 'cancelled' : 'done' };
          if (job.kind === 'fit' || job.kind === 'morph') patch.summary = m.summary as RunRecord['summary'];
          if (job.kind === 'evaluate') patch.evaluation = m.summary as EvaluateSummary;
          if (job.kind === 'transport' && typeof s.out === 'string') patch.output = s.out;
          end(patch);
          break;
        }
        case 'error':
          if (m.stack) this.log.error(m.stack);
          end({ status: cancelRequested ? 'cancelled' : 'failed', error: m.message });
          break;
      }
    });
    worker.on('error', (e) => {
      this.log.error(`worker crashed: ${e.stack ?? e}`);
      end({ status: 'failed', error: `worker crashed: ${e.message}` });
    });
    worker.on('exit', (code) => end({ status: cancelRequested ? 'cancelled' : 'failed', error: `worker exited (code ${code})` }));

    const run: ActiveRun & { worker: Worker } = {
      record,
      done,
      worker,
      cancel: () => {
        if (record.status !== 'running' || cancelRequested) return;
        cancelRequested = true;
        this.log.info(`${record.label}: stop requested`);
        post({ type: 'cancel', id: record.id });
        killTimer = setTimeout(() => end({ status: 'cancelled', error: 'did not stop in time; worker terminated' }), CANCEL_GRACE_MS);
      },
    };
    this.active = run;
    this.log.info(`${record.label}: started in ${record.path}`);
    this.events.fire({ type: 'started', run: record });
    return run;
  }

  /** Stops the running job, if any. Resolves with its final record. */
  async stop(): Promise<RunRecord | undefined> {
    const a = this.active;
    if (!a) return undefined;
    a.cancel();
    return a.done;
  }

  /** Starts a worker only to ask which backend and how many threads it gets (and why others were skipped). */
  probeBackend(): Promise<{ backend: string; threads: number; notes: string[] }> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.workerFile, { workerData: this.init() });
      const notes: string[] = [];
      worker.on('message', (m: WorkerToHost) => {
        if (m.type === 'log') notes.push(m.line);
        else if (m.type === 'ready') {
          this.backend = m.backend;
          void worker.terminate();
          resolve({ backend: m.backend, threads: m.threads, notes });
        } else if (m.type === 'error') {
          void worker.terminate();
          reject(new Error(m.message));
        }
      });
      worker.on('error', reject);
    });
  }
}

/** dist/worker.js of this extension. */
export function workerFile(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'worker.js');
}
