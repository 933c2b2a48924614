/**
 * Step timings with the real trainer (src/core/train/trainer.ts: upload parameters, valueAndGrads,
 * collect gradients, clip, JS Adam): a base flow of the reference architecture and a flow for flows of
 * the same size over two frozen base flows, plus evaluation throughput at batch 10 000.
 *
 * Each figure is the median wall time between consecutive steps after a warm-up, from `train` itself (its
 * onStep hook stamps the clock), so it is what a user's run pays per step. A figure is capped in wall time:
 * when the previous batch size predicts that the cap cannot hold warm-up + a few steps, it is skipped.
 */
import { DEFAULT_MORPH, REFERENCE_FLOW, type MorphConfig, type TrainConfig } from '../src/core/config';
import { FlowForFlow, FrozenDensity } from '../src/core/f4f';
import { Flow } from '../src/core/flow';
import { NllObjective } from '../src/core/objectives/nll';
import { Rng } from '../src/core/random';
import { initBackend, tf, type BackendName } from '../src/core/tf';
import { Adam } from '../src/core/train/adam';
import { denseKernels } from '../src/core/wasm/dense';
import { train, type Objective } from '../src/core/train/trainer';
import { generateToy } from '../src/data/toys';
import { median, round } from './table';

export const BATCHES = [128, 512, 1024] as const;

export interface TimingOptions {
  warmup: number;
  steps: number;
  /** Wall-time cap per figure (ms), warm-up included. */
  capMs: number;
  /** Gradient threads for the trainer (src/core/train/parallel.ts); 1 = the plain single-thread loop. */
  workers: number;
  /**
   * Threads for the dense products (src/core/wasm/dense.ts): 1 pauses the helper thread, 2 uses it (the
   * default on two cores). Ignored (the helper sleeps) while the data-parallel trainer runs.
   */
  gemmThreads?: 1 | 2;
}

/**
 * Run `f` with the dense products on `threads` threads (1: the helper paused), then restore. Says how many
 * really ran: 2 only when the machine allows a helper and it started.
 */
export async function withGemmThreads<T>(threads: 1 | 2 | undefined, f: () => Promise<T>): Promise<{ value: T; gemmThreads: number }> {
  const K = denseKernels();
  if (threads === 2) for (let i = 0; i < 200 && !K.helperReady; i++) await new Promise((r) => setTimeout(r, 10));
  K.setPaused(threads === 1);
  try {
    const gemmThreads = K.helperReady ? 2 : 1;
    return { value: await f(), gemmThreads };
  } finally {
    K.setPaused(false);
  }
}

export interface StepTiming {
  /** Median ms per step, or null when skipped. */
  ms: number | null;
  /** Timed steps behind the median. */
  n: number;
  /** Interquartile range of the timed steps (ms), a noise gauge on a shared machine. */
  iqr?: [number, number];
  skipped?: string;
  /** Threads the dense products used within each gradient thread. */
  gemmThreads?: number;
  /** Threads the trainer actually used. */
  workers?: number;
}

function trainConfig(batch: number, steps: number): TrainConfig {
  return { lr: 1e-3, batch, steps, cosine: true, clip: 5, seed: 0, validationFraction: 0, evalEvery: 1e9 };
}

/**
 * Time `opts.steps` trainer steps after `opts.warmup`, stopping at the cap. The objective is passed as is
 * (the parallel trainer rebuilds known objectives in its workers); it never validates mid-run here, only
 * once after the last step, outside the timed span.
 */
export async function timeTrainer(obj: Objective, batch: number, opts: TimingOptions): Promise<StepTiming> {
  const r = await withGemmThreads(opts.gemmThreads, () => timeTrainerNow(obj, batch, opts));
  return { ...r.value, gemmThreads: opts.workers > 1 ? 1 : r.gemmThreads };
}

async function timeTrainerNow(obj: Objective, batch: number, opts: TimingOptions): Promise<StepTiming> {
  const stamps: number[] = [];
  const t0 = performance.now();
  const run = () =>
    train(obj, trainConfig(batch, opts.warmup + opts.steps), {
      onStep: () => stamps.push(performance.now()),
      cancelled: () => performance.now() - t0 > opts.capMs,
      workers: opts.workers,
    });
  let r: Awaited<ReturnType<typeof train>>;
  try {
    r = await run();
  } catch (e) {
    // The single-thread loop must work; a parallel run that cannot start is reported, not fatal.
    if (opts.workers === 1) throw e;
    return { ms: null, n: 0, skipped: `the ${opts.workers}-thread trainer failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const workers = (r as { workers?: number }).workers ?? 1;
  if (workers !== opts.workers) return { ms: null, n: 0, workers, skipped: `the trainer ran ${workers} thread(s) when asked for ${opts.workers}` };
  const dts = stamps.slice(opts.warmup).map((t, i) => t - stamps[opts.warmup - 1 + i]);
  if (dts.length < 3) return { ms: null, n: dts.length, workers, skipped: `cap ${opts.capMs / 1000} s reached after ${stamps.length} step(s)` };
  const s = dts.slice().sort((a, b) => a - b);
  return { ms: round(median(dts)), n: dts.length, workers, iqr: [round(s[Math.floor(s.length / 4)]), round(s[Math.floor((3 * s.length) / 4)])] };
}

/** A base flow of the reference architecture (2 features, no condition). */
export function referenceFlow(seed: number, identityInit = false): Flow {
  return new Flow({ ...REFERENCE_FLOW, identityInit, features: 2, context: 0 }, seed);
}

function toy(name: string, n: number, seed: number): { x: Float32Array; rows: number } {
  const m = generateToy(name, n, seed).features;
  return { x: m.data, rows: m.rows };
}

/** Skip a figure when the last one predicts it cannot finish warm-up + 3 steps within the cap. */
function predictedOverCap(prev: StepTiming | undefined, scale: number, opts: TimingOptions): string | undefined {
  if (!prev) return undefined;
  if (prev.ms === null) return 'skipped: the smaller batch already hit the cap';
  const predicted = prev.ms * scale * (opts.warmup + 3);
  return predicted > opts.capMs ? `skipped: predicted ${(predicted / 1000).toFixed(0)} s for warm-up + 3 steps > cap ${opts.capMs / 1000} s` : undefined;
}

/** Base-flow step on checkerboard at each batch size. */
export async function baseSteps(backend: BackendName, opts: TimingOptions, batches: readonly number[] = BATCHES): Promise<Record<string, StepTiming>> {
  await initBackend(backend);
  const data = toy('checkerboard', 20000, 1);
  const small = toy('checkerboard', 500, 9); // the trainer validates once at the end: keep that cheap
  const out: Record<string, StepTiming> = {};
  let prev: StepTiming | undefined;
  let prevBatch = 0;
  for (const b of batches) {
    const skip = predictedOverCap(prev, b / (prevBatch || b), opts);
    if (skip) {
      out[b] = { ms: null, n: 0, skipped: skip };
      prev = out[b];
      continue;
    }
    const flow = referenceFlow(0);
    out[b] = await timeTrainer(new NllObjective(flow, data, small, b, 0), b, opts);
    flow.dispose();
    prev = out[b];
    prevBatch = b;
  }
  return out;
}

/**
 * Flow-for-flow step: an identity-initialised top flow of the reference size over two frozen base flows
 * (untrained: the cost does not depend on their values), four circles → checkerboard, one direction.
 */
export async function f4fSteps(
  backend: BackendName,
  opts: TimingOptions,
  batches: readonly number[] = BATCHES,
): Promise<Record<string, { forward: StepTiming; inverse: StepTiming }>> {
  await initBackend(backend);
  const src = toy('fourcircles', 20000, 1);
  const tgt = toy('checkerboard', 20000, 2);
  const val = { src: toy('fourcircles', 500, 9), tgt: toy('checkerboard', 500, 10) }; // cheap final validation
  const sourceFlow = referenceFlow(1);
  const targetFlow = referenceFlow(2);
  const source = new FrozenDensity(sourceFlow);
  const target = new FrozenDensity(targetFlow);
  const out: Record<string, { forward: StepTiming; inverse: StepTiming }> = {};
  const prev: Record<string, StepTiming | undefined> = {};
  let prevBatch = 0;
  for (const b of batches) {
    const row = {} as { forward: StepTiming; inverse: StepTiming };
    for (const direction of ['forward', 'inverse'] as const) {
      const skip = predictedOverCap(prev[direction], b / (prevBatch || b), opts);
      if (skip) {
        row[direction] = { ms: null, n: 0, skipped: skip };
      } else {
        const cfg: MorphConfig = { ...DEFAULT_MORPH, direction, train: { ...DEFAULT_MORPH.train, batch: b } };
        const f4f = new FlowForFlow(cfg, source, target, 0, 0);
        row[direction] = await timeTrainer(f4f.objective(src, tgt, val), b, opts);
        f4f.dispose();
      }
      prev[direction] = row[direction];
    }
    out[b] = row;
    prevBatch = b;
  }
  sourceFlow.dispose();
  targetFlow.dispose();
  return out;
}

export interface StepBreakdown {
  /** Kernels one forward + backward dispatches. */
  kernels: number;
  /** Median ms of each phase of a single-thread trainer step, timed apart. */
  upload: number;
  forward: number;
  forwardBackward: number;
  /** forwardBackward plus reading the gradients back (what the trainer does). */
  withGradReadback: number;
  clipAndAdam: number;
}

/**
 * Where a single-thread base-flow step goes, phase by phase (the same calls as the trainer's serial loop),
 * for the engine's speed work: kernel dispatch shows as a floor at small batches, matMuls at large ones.
 */
export async function baseStepBreakdown(backend: BackendName, batches: readonly number[] = BATCHES, repeats = 15): Promise<Record<string, StepBreakdown>> {
  await initBackend(backend);
  const data = toy('checkerboard', 20000, 1);
  const out: Record<string, StepBreakdown> = {};
  for (const b of batches) {
    const flow = referenceFlow(0);
    const obj = new NllObjective(flow, data, undefined, b, 0);
    const store = flow.store;
    const opt = new Adam(store.count, store.fullMask());
    const grad = opt.gradient;
    const P = store.upload();
    const vg = () => tf.tidy(() => tf.valueAndGrads((...ps: tf.Tensor[]) => obj.loss(ps, 0, 0).loss)(P));
    const med = (f: () => void) => {
      for (let i = 0; i < 3; i++) f();
      const ts: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        f();
        ts.push(performance.now() - t);
      }
      return round(median(ts));
    };
    const prof = await tf.profile(() => {
      const r = vg();
      return [r.value, ...r.grads];
    });
    tf.dispose(prof.result as tf.Tensor[]);
    out[b] = {
      kernels: prof.kernels.length,
      upload: med(() => tf.dispose(store.upload())),
      forward: med(() => {
        const l = tf.tidy(() => obj.loss(P, 0, 0).loss);
        l.dataSync();
        l.dispose();
      }),
      forwardBackward: med(() => {
        const r = vg();
        r.value.dataSync();
        tf.dispose([r.value, ...r.grads]);
      }),
      withGradReadback: med(() => {
        const r = vg();
        store.collectGrads(r.grads, grad, false);
        r.value.dispose();
      }),
      clipAndAdam: med(() => {
        opt.step(store.values, 1e-3, 5);
      }),
    };
    tf.dispose(P);
    flow.dispose();
  }
  return out;
}

/** Parameters of the reference architecture (the PyTorch reference has 289 464). */
export function referenceParameterCount(): number {
  return referenceFlow(0).store.count;
}

/** Median samples per second of logProb and sample at batch 10 000 on the reference architecture. */
export async function evalThroughput(backend: BackendName, repeats = 5, gemmThreads: 1 | 2 = 2): Promise<{ logprob: number; sample: number; gemmThreads: number }> {
  const r = await withGemmThreads(gemmThreads, () => evalThroughputNow(backend, repeats));
  return { ...r.value, gemmThreads: r.gemmThreads };
}

async function evalThroughputNow(backend: BackendName, repeats: number): Promise<{ logprob: number; sample: number }> {
  await initBackend(backend);
  const n = 10000;
  const flow = referenceFlow(0);
  const x = toy('checkerboard', n, 3).x;
  const rng = new Rng(4);
  const rate = (f: () => void) => {
    f(); // warm-up: kernels compiled, parameter tensors cached
    const ts: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      f();
      ts.push(performance.now() - t);
    }
    return Math.round((1000 * n) / median(ts));
  };
  const before = tf.memory().numTensors;
  const out = { logprob: rate(() => flow.logProb(x, undefined, n)), sample: rate(() => flow.sample(n, rng)) };
  flow.dispose();
  if (tf.memory().numTensors > before) throw new Error(`evalThroughput leaked ${tf.memory().numTensors - before} tensors`);
  return out;
}
