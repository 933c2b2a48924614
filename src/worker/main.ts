/**
 * The training worker (a worker_threads Worker, bundled to dist/worker.js): runs one job of src/jobs at a
 * time off the extension host's thread, so VS Code stays responsive while tfjs trains on one core.
 *
 * Speaks HostToWorker / WorkerToHost (src/protocol/worker.ts). Tensors cannot cross threads: progress
 * is plain JSON and snapshot clouds are Float32Arrays, copied and then *transferred* (the engine reuses its
 * own arrays between snapshots, so transferring those would detach them under its feet).
 *
 * Startup order matters for the optional native backend: `nativeCore` must pick the tfjs-core instance
 * before anything evaluates the engine, so every engine module is required lazily, after it.
 */
import { parentPort, workerData } from 'worker_threads';
import type { HostToWorker, PreviewReply, PreviewRequest, WorkerInit, WorkerJob, WorkerToHost } from '../protocol/worker';
import type { BackendPreference } from '../core/tf';
import type { EvaluateSummary, FitJob, FitSummary, JobHooks, MorphJob, MorphSummary, Snapshot, TransportJob } from '../jobs/types';
import { applyEnvironment } from '../env';
import { selectNativeCore } from './nativeCore';

/** The job functions' shapes (src/jobs/*.ts), declared here so this file compiles on its own. */
interface JobModules {
  runFit(job: FitJob, hooks: JobHooks): Promise<FitSummary>;
  runMorph(job: MorphJob, hooks: JobHooks): Promise<MorphSummary>;
  runTransport(job: TransportJob, hooks?: JobHooks): Promise<Record<string, unknown>>;
  runEvaluate(job: Extract<WorkerJob, { kind: 'evaluate' }>['job'], hooks?: JobHooks): Promise<EvaluateSummary>;
  densityGrid(job: Extract<WorkerJob, { kind: 'density' }>['job']): Record<string, unknown>;
  conditionMorph(job: Extract<WorkerJob, { kind: 'conditionMorph' }>['job']): Promise<Record<string, unknown>>;
  writeSamples(job: Extract<WorkerJob, { kind: 'writeSamples' }>['job']): Promise<Record<string, unknown>>;
}

const port = parentPort;
if (!port) throw new Error('src/worker/main.ts must run as a worker_threads Worker');
const init = (workerData ?? { backend: 'auto' }) as WorkerInit;
// The engine's settings, before any engine module loads (they load lazily): the environment's, with the
// flowmorph.threads setting (1 or 2) in place of FLOWMORPH_GEMM_THREADS.
applyEnvironment(process.env, init.threads === 1 || init.threads === 2 ? { kernelThreads: init.threads } : {});
const cancelled = new Set<string>();
let queue: Promise<void> = Promise.resolve();

function send(msg: WorkerToHost, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

type Summary = FitSummary | MorphSummary | EvaluateSummary | Record<string, unknown>;
type JobOf<K extends WorkerJob['kind']> = Extract<WorkerJob, { kind: K }>['job'];

/* eslint-disable @typescript-eslint/no-require-imports */
/** Each job: its module (a literal require, so the bundler follows it; loaded on first use) and its entry. */
const JOBS: { [K in WorkerJob['kind']]: [load: () => JobModules, run: (m: JobModules, job: JobOf<K>, hooks: JobHooks) => Summary | Promise<Summary>] } = {
  fit: [() => require('../jobs/fit'), (m, job, hooks) => m.runFit(job, hooks)],
  morph: [() => require('../jobs/morph'), (m, job, hooks) => m.runMorph(job, hooks)],
  transport: [() => require('../jobs/transport'), (m, job, hooks) => m.runTransport(job, hooks)],
  evaluate: [() => require('../jobs/evaluate'), (m, job, hooks) => m.runEvaluate(job, hooks)],
  density: [() => require('./densityGrid'), (m, job) => m.densityGrid(job)],
  conditionMorph: [() => require('./conditionMorph'), (m, job) => m.conditionMorph(job)],
  writeSamples: [() => require('./writeSamples'), (m, job) => m.writeSamples(job)],
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Runs one job. A module missing from this build fails that job, with its name. */
async function runJob<K extends WorkerJob['kind']>(kind: K, job: JobOf<K>, hooks: JobHooks): Promise<Summary> {
  const [load, run] = JOBS[kind];
  let m: JobModules;
  try {
    m = load();
  } catch (e) {
    throw new Error(`the ${kind} job is not available in this build: ${(e as Error).message.split('\n')[0]}`);
  }
  return run(m, job, hooks);
}

function copyClouds(s: Snapshot): { snapshot: Snapshot; transfer: ArrayBuffer[] } {
  const clouds: Snapshot['clouds'] = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, arr] of Object.entries(s.clouds) as [keyof Snapshot['clouds'], Float32Array | undefined][]) {
    if (!arr) continue;
    const c = arr.slice();
    clouds[name] = c;
    transfer.push(c.buffer as ArrayBuffer);
  }
  return { snapshot: { ...s, clouds }, transfer };
}

async function run(msg: Extract<HostToWorker, { type: 'start' }>): Promise<void> {
  const { id } = msg;
  const hooks: JobHooks = {
    onProgress: (progress) => send({ type: 'progress', id, progress }),
    onSnapshot: (s) => {
      const { snapshot, transfer } = copyClouds(s);
      // A morph's snapshot pairs morphed[i] = g(source[i]) (see HostToWebview 'snapshot').
      send({ type: 'snapshot', id, snapshot, paired: msg.kind === 'morph' && !!s.clouds.morphed }, transfer);
    },
    onLog: (line) => send({ type: 'log', id, line }),
    cancelled: () => cancelled.has(id),
    progressEveryMs: msg.hooks?.progressEveryMs ?? 250,
    snapshotEveryMs: msg.hooks?.snapshotEveryMs ?? 1000,
    plotPoints: msg.hooks?.plotPoints ?? 2000,
  };
  try {
    const summary = await runJob(msg.kind, msg.job, hooks);
    send({ type: 'done', id, summary });
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', id, message: err?.message ?? String(e), stack: err?.stack });
  } finally {
    cancelled.delete(id);
  }
}

port.on('message', (msg: HostToWorker) => {
  if (msg.type === 'cancel') cancelled.add(msg.id);
  // One job at a time, in order: tfjs has one global backend and training uses the whole core anyway.
  else if (msg.type === 'start') queue = queue.then(() => run(msg));
});

async function start(): Promise<void> {
  const notes: string[] = [];
  if (init.backend === 'auto' || init.backend === 'native') notes.push(...selectNativeCore(init.nativeModules));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('../core/tf') as typeof import('../core/tf');
  tf.setWasmDirectory(__dirname); // the .wasm files sit beside dist/worker.js (scripts/bundle.mjs)
  const info = await tf.initBackend(init.backend);
  for (const n of [...notes, ...info.notes]) send({ type: 'log', id: '', line: n });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { gemmThreads } = require('../core/wasm/dense') as typeof import('../core/wasm/dense');
  send({ type: 'ready', backend: info.name, threads: gemmThreads() });
}

/** Preview Dataset's worker: the readers run here, not on the extension host's thread. */
async function preview(req: PreviewRequest): Promise<void> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { previewDataset } = require('./preview') as typeof import('./preview');
    port!.postMessage({ type: 'preview', preview: await previewDataset(req.file, req) } satisfies PreviewReply);
  } catch (e) {
    port!.postMessage({ type: 'preview-error', message: (e as Error)?.message ?? String(e) } satisfies PreviewReply);
  }
}

(init.preview ? preview(init.preview) : start()).catch((e) => {
  send({ type: 'error', id: '', message: `backend initialisation failed: ${(e as Error).message}`, stack: (e as Error).stack });
});
