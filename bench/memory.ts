/**
 * Memory over a long run: RSS, V8 heap, array buffers, tfjs tensors and both wasm memories (tfjs's and our
 * dense kernels') sampled while the reference base flow trains and then while a flow for flows trains on
 * top of two base flows, as the product does (validation every 200 steps). "Flat" means: after the first
 * two minutes of a phase (allocators and JIT warm), RSS grows by less than 32 MiB to the end of the phase
 * and numTensors does not grow at all.
 *
 * Usage: node out/bench/memory.js [--minutes 20] [--batch 512] [--out bench/results/memory.json]
 * (the minutes are split evenly between the two phases).
 */
import { initBackend, tf } from '../src/core/tf';
import { DEFAULT_MORPH, REFERENCE_FLOW, type TrainConfig } from '../src/core/config';
import { FlowForFlow, FrozenDensity } from '../src/core/f4f';
import { Flow } from '../src/core/flow';
import { writeJsonAtomic } from '../src/data/atomic';
import { NllObjective } from '../src/core/objectives/nll';
import { train, type Objective } from '../src/core/train/trainer';
import { denseKernels } from '../src/core/wasm/dense';
import { generateToy } from '../src/data/toys';
import { load, machine } from './table';
import { applyEnvironment } from '../src/env';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const MiB = 1024 * 1024;
const WARM_SEC = 120;
const RSS_LIMIT_MIB = 32;

interface Sample {
  phase: string;
  sec: number;
  step: number;
  rssMiB: number;
  heapUsedMiB: number;
  arrayBuffersMiB: number;
  numTensors: number;
  tfjsWasmMiB: number;
  denseWasmMiB: number;
}

function toy(name: string, n: number, seed: number) {
  const m = generateToy(name, n, seed).features;
  return { x: m.data, rows: m.rows };
}

function tfjsWasmBytes(): number {
  const be = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return be.wasm?.HEAPU8?.byteLength ?? 0;
}

async function phase(name: string, obj: Objective, seconds: number, batch: number, samples: Sample[]): Promise<number> {
  const cfg: TrainConfig = { lr: 3e-3, batch, seconds, cosine: true, clip: 5, seed: 0, validationFraction: 0, evalEvery: 200 };
  const t0 = performance.now();
  let next = 0;
  const r = await train(obj, cfg, {
    workers: 1,
    onStep: (s) => {
      const sec = (performance.now() - t0) / 1000;
      if (sec < next) return;
      next += 15;
      const m = process.memoryUsage();
      samples.push({
        phase: name,
        sec: Math.round(sec),
        step: s.step,
        rssMiB: +(m.rss / MiB).toFixed(1),
        heapUsedMiB: +(m.heapUsed / MiB).toFixed(1),
        arrayBuffersMiB: +(m.arrayBuffers / MiB).toFixed(1),
        numTensors: tf.memory().numTensors,
        tfjsWasmMiB: +(tfjsWasmBytes() / MiB).toFixed(1),
        denseWasmMiB: +(denseKernels().bytes / MiB).toFixed(1),
      });
    },
  });
  return r.steps;
}

function verdict(samples: Sample[], name: string) {
  const s = samples.filter((x) => x.phase === name);
  const warm = s.filter((x) => x.sec >= WARM_SEC);
  const first = warm[0] ?? s[0];
  const last = s[s.length - 1];
  const growth = +(last.rssMiB - first.rssMiB).toFixed(1);
  const tensorsGrew = Math.max(...warm.map((x) => x.numTensors)) - Math.min(...warm.map((x) => x.numTensors));
  return {
    rssAfterWarmupMiB: first.rssMiB,
    rssAtEndMiB: last.rssMiB,
    rssGrowthMiB: growth,
    maxRssMiB: Math.max(...s.map((x) => x.rssMiB)),
    numTensors: [Math.min(...s.map((x) => x.numTensors)), Math.max(...s.map((x) => x.numTensors))],
    flat: growth < RSS_LIMIT_MIB && tensorsGrew === 0,
  };
}

async function main(): Promise<void> {
  applyEnvironment(); // FLOWMORPH_* settings (src/env.ts), as the CLI reads them
  const minutes = Number(arg('minutes', '20'));
  const batch = Number(arg('batch', '512'));
  const out = arg('out', 'bench/results/memory.json');
  await initBackend('wasm');
  const loadBefore = load();
  const samples: Sample[] = [];
  const half = (minutes * 60) / 2;

  const flow = new Flow({ ...REFERENCE_FLOW, features: 2, context: 0 }, 0);
  const baseSteps = await phase('base flow', new NllObjective(flow, toy('checkerboard', 100000, 1), toy('checkerboard', 5000, 2), batch, 0), half, batch, samples);

  const source = new FrozenDensity(new Flow({ ...REFERENCE_FLOW, features: 2, context: 0 }, 1));
  const target = new FrozenDensity(flow);
  const f4f = new FlowForFlow({ ...DEFAULT_MORPH, train: { ...DEFAULT_MORPH.train, batch } }, source, target, 0, 0);
  const obj = f4f.objective(toy('fourcircles', 100000, 3), toy('checkerboard', 100000, 4), { src: toy('fourcircles', 2000, 5), tgt: toy('checkerboard', 2000, 6) });
  const f4fSteps = await phase('flow for flow', obj, half, batch, samples);

  const result = {
    bench: 'memory',
    machine: machine(),
    load: { before: loadBefore, after: load() },
    minutes,
    batch,
    criterion: `after ${WARM_SEC} s of each phase: RSS grows < ${RSS_LIMIT_MIB} MiB to the end of the phase and numTensors stays constant`,
    steps: { baseFlow: baseSteps, flowForFlow: f4fSteps },
    baseFlow: verdict(samples, 'base flow'),
    flowForFlow: verdict(samples, 'flow for flow'),
    samples,
  };
  writeJsonAtomic(out, result);
  console.log(JSON.stringify({ ...result, samples: `${samples.length} samples in ${out}` }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
