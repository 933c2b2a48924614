/**
 * Data-parallel gradients over worker threads (synchronous data parallelism, as in PyTorch's
 * DistributedDataParallel, but over threads of one process and shared memory).
 *
 * Why: tfjs-backend-wasm is single-threaded in Node, so one training step uses one core, and the step is
 * mostly dense matMuls whose cost grows with the batch. Each thread computes the gradient of its part of
 * the SAME mini-batch (src/core/train/part.ts); the parts' gradients add up to the full batch's gradient
 * up to float32 summation order, and Adam runs once, on the main thread, over plain arrays.
 *
 * Memory, all SharedArrayBuffers shared once at start (no per-step messages):
 * - the objective's recipe and data (./objective.ts), rebuilt in each worker;
 * - the current parameters, written by the main thread before each step;
 * - one gradient slot per worker, plus its loss and extras (and their names, as JSON bytes);
 * - a small Int32 control block: a generation counter the workers sleep on (Atomics.wait), the command,
 *   the step, and per worker the generation it last finished and an error flag.
 * The main thread bumps the generation and computes part 0 itself (or, with `mainComputes: false`, only
 * waits); it then waits for the workers with Atomics.waitAsync, so its event loop still sees a worker that
 * died. Parts are summed in a fixed order, so the result depends on the seed, never on timing.
 */
import { Worker } from 'worker_threads';
import * as fs from 'fs';
import { denseKernels } from '../wasm/dense';
import * as os from 'os';
import * as path from 'path';
import { engineSettings, type EngineSettings } from '../settings';
import { backendInfo, type BackendPreference } from '../tf';
import { shareRecipe, type Objective, type ObjectiveRecipe } from './objective';
import type { BatchPart } from './part';
import { stepGradient, type StepValues } from './step';
import type { TrainHooks } from './trainer';

/** Control block layout (Int32 slots). */
const GEN = 0;
const CMD = 1;
const STEP = 2;
const DONE = 8; // DONE + k: the generation worker k last finished
const CMD_STEP = 1;
const CMD_STOP = 2;
/** Per-worker scalars: [loss, extras count, text length, woke at, done at, extras...] (times: epoch ms). */
const MAX_EXTRAS = 27;
const EXTRAS = 5;
const SCALARS = EXTRAS + MAX_EXTRAS;
/** Per-worker bytes for the extras' names (JSON) or an error message. */
const TEXT = 4096;

/** What a worker receives at start (workerData); every array lives in shared memory. */
export interface WorkerInit {
  spec: ObjectiveRecipe;
  backend: BackendPreference;
  /** The main thread's engine settings (each thread has its own copy). */
  settings: EngineSettings;
  /** This worker's slot (0-based) and the batch part it computes. */
  slot: number;
  part: BatchPart;
  ctrl: Int32Array;
  fraction: Float64Array;
  params: Float32Array;
  grad: Float32Array;
  scalars: Float64Array;
  text: Uint8Array;
}

/** A worker's per-step outcome, as read back by the main thread. */
export type PartResult = StepValues;

let live = 0;

/** The default rule's thresholds (see resolveWorkers). */
export const DEFAULT_MIN_BATCH = 512;
export const DEFAULT_MIN_CORES = 4;

/** Parallel workers currently running in this process (for tests: returns to 0 after every run). */
export function liveWorkers(): number {
  return live;
}

/**
 * The default worker script (src/core/parallel-worker.ts): out/src/core/parallel-worker.js above this
 * file when compiled, else dist/parallel-worker.js beside the bundle.
 */
export function defaultWorkerScript(): string {
  const compiled = path.join(__dirname, '..', 'parallel-worker.js');
  return fs.existsSync(compiled) ? compiled : path.join(__dirname, 'parallel-worker.js');
}

/** One part's loss share and gradient share (into `out`, masked like `ParamStore.collectGrads`). */
export function partGradient(obj: Objective, step: number, fraction: number, part: BatchPart, out: Float32Array): PartResult {
  return stepGradient(obj, step, fraction, part, out, true);
}

export interface ParallelOptions {
  /** Threads computing parts of each batch, the main thread included when `mainComputes`. */
  threads: number;
  /** The main thread computes part 0 (default) or only waits for `threads` workers. */
  mainComputes?: boolean;
  script?: string;
  /** Backend the workers initialise (default: the main thread's). */
  backend?: BackendPreference;
}

/**
 * Threads for a run: `hooks.workers`, else the engine setting `workers` (src/core/settings.ts;
 * FLOWMORPH_WORKERS at the edge), else the default, and 1 whenever the
 * objective has no recipe a worker can rebuild it from (./objective.ts).
 *
 * The default is 2 on wasm for batches of at least 512 on machines with at least 4 cores, else 1. On two
 * cores the second one already serves the dense products' helper thread (src/core/wasm/dense.ts), which
 * measured faster (1.54× at batch 512 against 1.37–1.51× for these threads, bench/parallel.ts)
 * and also speeds up batch 128, evaluation and sampling, where batch parts do not pay (0.76–1.02× at 128).
 * A half-batch runs 1.1–1.35× slower while both threads compute, and parts lose 15–50 % whenever another
 * process holds a core. While parts run, the helper is paused (each part is one thread).
 */
export function resolveWorkers(obj: Objective, hooks: Pick<TrainHooks, 'workers' | 'workerScript'>): number {
  const setting = engineSettings().workers;
  let n: number;
  if (hooks.workers !== undefined) n = hooks.workers;
  else if (setting !== undefined && Number.isFinite(setting)) n = setting;
  else {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const wasm = backendInfo()?.name === 'wasm';
    const script = hooks.workerScript ?? defaultWorkerScript();
    n = wasm && obj.samplesPerStep >= DEFAULT_MIN_BATCH && cores >= DEFAULT_MIN_CORES && fs.existsSync(script) ? 2 : 1;
  }
  n = Math.max(1, Math.min(Math.floor(n), obj.samplesPerStep));
  if (n > 1 && !obj.recipe?.()) n = 1;
  return n;
}

/** The parallel gradient engine for a run, or undefined when it runs on one thread. */
export async function openParallel(obj: Objective, hooks: TrainHooks): Promise<ParallelGradient | undefined> {
  const threads = resolveWorkers(obj, hooks);
  return threads > 1 ? ParallelGradient.open(obj, { threads, script: hooks.workerScript }) : undefined;
}

interface Slot {
  worker: Worker;
  part: BatchPart;
  grad: Float32Array;
  scalars: Float64Array;
  text: Uint8Array;
}

export class ParallelGradient {
  private readonly slots: Slot[] = [];
  private readonly ctrl: Int32Array;
  private readonly fractionBuf = new Float64Array(new SharedArrayBuffer(8));
  private readonly params: Float32Array;
  private readonly mainPart: BatchPart | undefined;
  private failure: Error | undefined;
  /** Settles when any worker fails or exits early (wakes a waiting main thread). */
  private readonly failed: Promise<void>;
  private fail!: (e: Error) => void;
  private closed = false;
  private gen = 0;
  /**
   * Milliseconds of the last step: the main thread's own part, its wait for the workers after it, the
   * slowest worker's wake-up delay and its part.
   */
  readonly lastTimes = { mainMs: 0, waitMs: 0, wakeMs: 0, workerMs: 0 };

  private constructor(
    private readonly obj: Objective,
    readonly threads: number,
    mainComputes: boolean,
  ) {
    const workers = mainComputes ? threads - 1 : threads;
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (DONE + workers)));
    this.params = new Float32Array(new SharedArrayBuffer(4 * obj.store.count));
    this.mainPart = mainComputes ? { index: 0, count: threads } : undefined;
    this.failed = new Promise<void>((resolve) => {
      this.fail = (e) => {
        this.failure ??= e;
        resolve();
      };
    });
  }

  /** Start the workers and wait until each has built its objective. Cleans up after itself on failure. */
  static async open(obj: Objective, opts: ParallelOptions): Promise<ParallelGradient> {
    const spec = obj.recipe?.();
    if (!spec) throw new Error('parallel training: this objective cannot be rebuilt in a worker');
    if (!(opts.threads >= 2)) throw new Error(`parallel training needs at least 2 threads, got ${opts.threads}`);
    if (opts.threads > obj.samplesPerStep) throw new Error(`parallel training: ${opts.threads} threads for batches of ${obj.samplesPerStep} rows`);
    const mainComputes = opts.mainComputes ?? true;
    const pg = new ParallelGradient(obj, opts.threads, mainComputes);
    // The batch parts hold the cores now: this thread's product helper sleeps until close().
    denseKernels().setPaused(true);
    const shared = shareRecipe(spec);
    const backend = opts.backend ?? backendInfo()?.name ?? 'auto';
    const script = opts.script ?? defaultWorkerScript();
    const n = obj.store.count;
    const workers = mainComputes ? opts.threads - 1 : opts.threads;
    const first = mainComputes ? 1 : 0;
    const ready: Promise<void>[] = [];
    try {
      for (let k = 0; k < workers; k++) {
        const init: WorkerInit = {
          spec: shared,
          backend,
          settings: { ...engineSettings() },
          slot: k,
          part: { index: first + k, count: opts.threads },
          ctrl: pg.ctrl,
          fraction: pg.fractionBuf,
          params: pg.params,
          grad: new Float32Array(new SharedArrayBuffer(4 * n)),
          scalars: new Float64Array(new SharedArrayBuffer(8 * SCALARS)),
          text: new Uint8Array(new SharedArrayBuffer(TEXT)),
        };
        const worker = new Worker(script, { workerData: init });
        live++;
        const slot: Slot = { worker, part: init.part, grad: init.grad, scalars: init.scalars, text: init.text };
        pg.slots.push(slot);
        ready.push(pg.watch(slot, k));
      }
      await Promise.all(ready);
    } catch (e) {
      await pg.close();
      throw e;
    }
    return pg;
  }

  /** Resolves when worker k reports ready; afterwards, any error or early exit fails the engine. */
  private watch(slot: Slot, k: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let isReady = false;
      slot.worker.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'ready') {
          isReady = true;
          resolve();
        } else if (m.type === 'error') {
          const e = new Error(`parallel worker ${k}: ${m.message}`);
          this.fail(e);
          reject(e);
        }
      });
      slot.worker.on('error', (err) => {
        const e = new Error(`parallel worker ${k} failed: ${err.message}`);
        this.fail(e);
        reject(e);
      });
      slot.worker.on('exit', (code) => {
        live--;
        if (!this.closed) {
          const e = new Error(`parallel worker ${k} exited (code ${code})${isReady ? ' during training' : ' before it was ready'}`);
          this.fail(e);
          reject(e);
        }
      });
    });
  }

  /**
   * The full batch's loss, extras and gradient (into `grad`) at `params` for step `step`: the parts'
   * shares summed in part order.
   */
  async compute(step: number, fraction: number, params: Float32Array, grad: Float32Array): Promise<PartResult> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('parallel training: compute() after close()');
    this.params.set(params);
    this.fractionBuf[0] = fraction;
    Atomics.store(this.ctrl, STEP, step);
    Atomics.store(this.ctrl, CMD, CMD_STEP);
    const gen = ++this.gen;
    const notifiedAt = performance.timeOrigin + performance.now();
    Atomics.store(this.ctrl, GEN, gen);
    Atomics.notify(this.ctrl, GEN);
    let loss = 0;
    const extras: Record<string, number> = {};
    const add = (r: PartResult) => {
      loss += r.loss;
      for (const [k, v] of Object.entries(r.extras)) extras[k] = (extras[k] ?? 0) + v;
    };
    let filled = false;
    const t0 = performance.now();
    if (this.mainPart) {
      add(partGradient(this.obj, step, fraction, this.mainPart, grad));
      filled = true;
    }
    const t1 = performance.now();
    let waited = 0;
    for (let k = 0; k < this.slots.length; k++) {
      const tw = performance.now();
      await this.waitFor(k, gen);
      waited += performance.now() - tw;
      const s = this.slots[k];
      add(this.readScalars(s));
      if (filled) {
        const g = s.grad;
        for (let i = 0; i < grad.length; i++) grad[i] += g[i];
      } else {
        grad.set(s.grad);
        filled = true;
      }
    }
    this.lastTimes.mainMs = t1 - t0;
    this.lastTimes.waitMs = waited;
    this.lastTimes.wakeMs = Math.max(...this.slots.map((s) => s.scalars[3] - notifiedAt));
    this.lastTimes.workerMs = Math.max(...this.slots.map((s) => s.scalars[4] - s.scalars[3]));
    return { loss, extras };
  }

  private async waitFor(k: number, gen: number): Promise<void> {
    const idx = DONE + k;
    for (;;) {
      const v = Atomics.load(this.ctrl, idx);
      if (v === gen) break;
      if (v === -gen) {
        const s = this.slots[k];
        throw new Error(`parallel worker ${k}: ${readText(s.text, s.scalars[2])}`);
      }
      if (this.failure) throw this.failure;
      const w = waitAsync(this.ctrl, idx, v, 1000);
      if (w.async) await Promise.race([w.value, this.failed]);
    }
  }

  private readScalars(s: Slot): PartResult {
    const n = s.scalars[1];
    const extras: Record<string, number> = {};
    if (n > 0) {
      const names = JSON.parse(readText(s.text, s.scalars[2])) as string[];
      for (let i = 0; i < names.length; i++) extras[names[i]] = s.scalars[EXTRAS + i];
    }
    return { loss: s.scalars[0], extras };
  }

  /** Stop and join every worker (terminating any that does not stop within 2 s). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    denseKernels().setPaused(false);
    Atomics.store(this.ctrl, CMD, CMD_STOP);
    Atomics.store(this.ctrl, GEN, ++this.gen);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(
      this.slots.map(async ({ worker }) => {
        if (worker.threadId < 0) return; // already exited
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 2000)));
        if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        clearTimeout(timer);
      }),
    );
  }
}

/** Atomics.waitAsync (V8, Node ≥ 16), typed here because lib ES2022 lacks it. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** The worker side's writers and the main side's reader of a slot's text (UTF-8 bytes). */
export function writeText(buf: Uint8Array, s: string): number {
  const bytes = new TextEncoder().encode(s);
  const n = Math.min(bytes.length, buf.length);
  buf.set(bytes.subarray(0, n));
  return n;
}

function readText(buf: Uint8Array, n: number): string {
  // TextDecoder refuses views of shared memory: copy first.
  return new TextDecoder().decode(buf.slice(0, n));
}

export const LAYOUT = { GEN, CMD, STEP, DONE, CMD_STEP, CMD_STOP, MAX_EXTRAS, EXTRAS, SCALARS } as const;
