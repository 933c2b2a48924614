/**
 * Data-parallel training steps (src/core/train/parallel.ts) against the single-thread step, on the
 * reference base-flow architecture (MAF, 4 stacks × 2 blocks × 128 hidden × 8 bins, 2-D data) and on the
 * flow-for-flow step (reference top flow over two reference base flows, forward and inverse).
 *
 * Modes, one step each = gradient + clip + Adam, as src/core/train/trainer.ts does:
 * - serial: one thread (the gradient of the whole batch as one part);
 * - main+1: the main thread computes half the batch, one worker the other half (what train() ships);
 * - 2workers: two workers compute the halves while the main thread waits.
 * Modes are interleaved step by step so a load change on the (shared) machine hits them alike; read the
 * ratios within one run, and check "cores used" (process CPU time / wall time): a parallel mode near
 * 1 core means other processes held the second core and its figure says nothing. Also measured: the cost of one wake-up round trip, Atomics vs postMessage.
 *
 * Usage: node out/bench/parallel.js [--batches 128,512,1024] [--steps 30] [--f4f 128,512]
 *        [--backend wasm] [--out file.json]
 * Prints one JSON object; with --out also writes it atomically.
 */
import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';
import { initBackend, type BackendName } from '../src/core/tf';
import { DEFAULT_MORPH, REFERENCE_FLOW, type MorphConfig } from '../src/core/config';
import { FlowForFlow, FrozenDensity } from '../src/core/f4f';
import { Flow } from '../src/core/flow';
import { writeJsonAtomic } from '../src/data/atomic';
import { NllObjective } from '../src/core/objectives/nll';
import { Rng } from '../src/core/random';
import { Adam } from '../src/core/train/adam';
import { ParallelGradient, partGradient } from '../src/core/train/parallel';
import type { Objective } from '../src/core/train/trainer';
import { applyEnvironment } from '../src/env';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const list = (s: string) => (s ? s.split(',').map(Number) : []);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

type Mode = 'serial' | 'main+1' | '2workers';
const MODES: Mode[] = ['serial', 'main+1', '2workers'];

/** Busy and total CPU jiffies of the whole machine (Linux /proc/stat), or undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - f[4], total };
  } catch {
    return undefined;
  }
}

/** One mode's training loop, stepped from outside so modes can be interleaved step by step. */
interface Runner {
  step(s: number): Promise<void>;
  /** Per step of a parallel mode: the main thread's part and the slowest worker's part, ms. */
  parts: { main: number[]; worker: number[] };
  close(): Promise<void>;
  openMs: number;
}

async function runner(make: () => { obj: Objective; dispose(): void }, mode: Mode): Promise<Runner> {
  const { obj, dispose } = make();
  const store = obj.store;
  const opt = new Adam(store.count, store.fullMask());
  const grad = opt.gradient;
  const t0 = performance.now();
  const pg = mode === 'serial' ? undefined : await ParallelGradient.open(obj, { threads: 2, mainComputes: mode === 'main+1' });
  const parts = { main: [] as number[], worker: [] as number[] };
  return {
    openMs: performance.now() - t0,
    parts,
    async step(s: number) {
      if (pg) {
        await pg.compute(s, 0, store.values, grad);
        parts.main.push(pg.lastTimes.mainMs);
        parts.worker.push(pg.lastTimes.workerMs);
      } else partGradient(obj, s, 0, { index: 0, count: 1 }, grad);
      opt.step(store.values, 1e-4, 5);
      store.touch();
    },
    async close() {
      await pg?.close();
      dispose();
    },
  };
}

/**
 * Median ms per step of each mode, the modes interleaved step by step (after 3 warm-up steps each), and
 * the process CPU time / wall time of each mode's steps (all threads): ~2 when a parallel mode really got
 * two cores, ~1 or less when other processes held them (then its figure says nothing).
 */
async function compare(label: Record<string, unknown>, make: () => { obj: Objective; dispose(): void }, modes: Mode[], steps: number) {
  const runners: Runner[] = [];
  try {
    for (const m of modes) runners.push(await runner(make, m));
    const ms: number[][] = modes.map(() => []);
    const cpu = modes.map(() => 0);
    const wall = modes.map(() => 0);
    let m0: ReturnType<typeof machineCpu>;
    let w0 = 0;
    for (let s = 0; s < steps + 3; s++)
      for (let i = 0; i < modes.length; i++) {
        if (s === 3 && i === 0) {
          m0 = machineCpu();
          w0 = performance.now();
        }
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await runners[i].step(s);
        const dt = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (s < 3) continue;
        ms[i].push(dt);
        cpu[i] += (c.user + c.system) / 1000;
        wall[i] += dt;
      }
    const out: Record<string, unknown> = { ...label };
    modes.forEach((m, i) => (out[`${m} ms`] = r1(median(ms[i]))));
    modes.forEach((m, i) => i > 0 && (out[`${m} speedup`] = r2(median(ms[0]) / median(ms[i]))));
    modes.forEach((m, i) => (out[`${m} cores used`] = r2(cpu[i] / wall[i])));
    const m1 = machineCpu();
    if (m0 && m1) {
      // Cores the rest of the machine kept busy meanwhile: all busy cores minus this process's share.
      const busyCores = (os.availableParallelism() * (m1.busy - m0.busy)) / (m1.total - m0.total);
      const ours = cpu.reduce((a, b) => a + b, 0) / (performance.now() - w0);
      out['other processes cores'] = r2(Math.max(0, busyCores - ours));
    }
    const mw = modes.indexOf('main+1');
    if (mw >= 0) {
      // Warm-up steps excluded, as above.
      out['main+1 main part ms'] = r1(median(runners[mw].parts.main.slice(3)));
      out['main+1 worker part ms'] = r1(median(runners[mw].parts.worker.slice(3)));
    }
    out['worker start ms'] = r1(runners[1]?.openMs ?? 0);
    process.stderr.write(`${JSON.stringify(out)}\n`);
    return out;
  } finally {
    for (const r of runners) await r.close();
  }
}

function nllMaker(batch: number) {
  const x = new Rng(1).fillNormal(new Float32Array(50000 * 2)) as Float32Array;
  return () => {
    const flow = new Flow({ ...REFERENCE_FLOW, features: 2, context: 0 }, 0);
    return { obj: new NllObjective(flow, { x, rows: 50000 }, undefined, batch, 0) as Objective, dispose: () => flow.dispose() };
  };
}

function f4fMaker(batch: number, direction: 'forward' | 'inverse') {
  const rng = new Rng(2);
  const src = { x: rng.fillNormal(new Float32Array(20000 * 2)) as Float32Array, rows: 20000 };
  const tgt = { x: (rng.fillNormal(new Float32Array(20000 * 2)) as Float32Array).map((v) => v + 1), rows: 20000 };
  const bases = [1, 2].map((s) => new Flow({ ...REFERENCE_FLOW, features: 2, context: 0 }, s));
  const cfg: MorphConfig = { ...DEFAULT_MORPH, direction, train: { ...DEFAULT_MORPH.train, batch } };
  return () => {
    const f4f = new FlowForFlow(cfg, new FrozenDensity(bases[0]), new FrozenDensity(bases[1]), 0, 3);
    return { obj: f4f.objective(src, tgt) as Objective, dispose: () => f4f.dispose() };
  };
}

/** µs per wake-up round trip to a worker: Atomics (notify / wait / waitAsync) vs postMessage ping-pong. */
async function syncCost(n: number): Promise<{ atomicsUs: number; postMessageUs: number }> {
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    const c = workerData;
    if (c) { let g = 0; for (;;) { Atomics.wait(c, 0, g); g = Atomics.load(c, 0); if (g < 0) break; Atomics.store(c, 1, g); Atomics.notify(c, 1); } }
    else parentPort.on('message', (m) => (m < 0 ? process.exit(0) : parentPort.postMessage(m)));`;
  const wa = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> } }).waitAsync;
  const a = new Worker(code, { eval: true, workerData: ctrl });
  await new Promise((r) => setTimeout(r, 200));
  let t0 = performance.now();
  for (let g = 1; g <= n; g++) {
    Atomics.store(ctrl, 0, g);
    Atomics.notify(ctrl, 0);
    const w = wa(ctrl, 1, g - 1);
    if (w.async) await w.value;
  }
  const atomicsUs = ((performance.now() - t0) * 1000) / n;
  Atomics.store(ctrl, 0, -1);
  Atomics.notify(ctrl, 0);
  await new Promise((r) => a.once('exit', r));
  const p = new Worker(code, { eval: true, workerData: null });
  await new Promise((r) => setTimeout(r, 200));
  t0 = performance.now();
  for (let g = 1; g <= n; g++) {
    p.postMessage(g);
    await new Promise((r) => p.once('message', r));
  }
  const postMessageUs = ((performance.now() - t0) * 1000) / n;
  p.postMessage(-1);
  await new Promise((r) => p.once('exit', r));
  return { atomicsUs: r1(atomicsUs), postMessageUs: r1(postMessageUs) };
}

async function main(): Promise<void> {
  applyEnvironment(); // FLOWMORPH_* settings (src/env.ts), as the CLI reads them
  const backend = arg('backend', 'wasm') as BackendName;
  const info = await initBackend(backend);
  const steps = Number(arg('steps', '30'));
  const load0 = os.loadavg();
  const t0 = performance.now();
  const nll = [];
  for (const b of list(arg('batches', '128,512,1024'))) nll.push(await compare({ batch: b }, nllMaker(b), MODES, steps));
  const f4f = [];
  for (const b of list(arg('f4f', '128,512')))
    for (const dir of ['forward', 'inverse'] as const) f4f.push(await compare({ batch: b, direction: dir }, f4fMaker(b, dir), ['serial', 'main+1'], steps));
  const result = {
    bench: 'parallel',
    date: new Date().toISOString(),
    backend: info.tfName,
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model,
    loadAvgBefore: load0.map(r2),
    loadAvgAfter: os.loadavg().map(r2),
    seconds: r1((performance.now() - t0) / 1000),
    steps,
    parameters: new Flow({ ...REFERENCE_FLOW, features: 2, context: 0 }, 0).store.count,
    note: 'median ms per step (gradient + clip + Adam), modes interleaved step by step; speedup = serial / parallel; cores used = CPU time / wall time',
    wakeup: await syncCost(2000),
    nll,
    f4f,
  };
  const json = JSON.stringify(result, null, 2);
  process.stdout.write(json + '\n');
  const out = arg('out', '');
  if (out) writeJsonAtomic(out, result);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
