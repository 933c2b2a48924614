/**
 * Exact OT between the toy sets, against the reference figures kept below (`anchors`): W1, W2², the two-target-sample noise floor, sliced W1 (5000 directions) and its floor, and the
 * random-pairing distance, on 2000 vs 2000 points; sliced W1 also on 5000 vs 5000 points (the anchors'
 * sliced figures match that size: the floor shrinks like 1/√n); plus solver timings at 1000 and 2000 points.
 * Usage: node out/bench/ot.js [draws=5]. Writes bench/results/ot.json (temp file + rename).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateToy } from '../src/data/toys';
import { otCost, slicedW1 } from '../src/core/metrics';
import type { Matrix } from '../src/data/matrix';

const N = 2000;
const draws = Math.max(1, Number(process.argv[2] ?? 5));

function timed<T>(f: () => T): { value: T; ms: number } {
  const t = process.hrtime.bigint();
  const value = f();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

function meanSd(v: number[]): { mean: number; sd: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean: round(mean), sd: round(sd) };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Mean distance between row i of a and row i of b (independent samples: a random pairing). */
function pairedDistance(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += Math.hypot(a.data[2 * i] - b.data[2 * i], a.data[2 * i + 1] - b.data[2 * i + 1]);
  return s / a.rows;
}

function atomicWrite(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function main(): void {
  // Solver speed: 1000 vs 1000 must stay well under 5 s.
  const timing: Record<string, number> = {};
  for (const n of [1000, 2000]) {
    const a = generateToy('fourcircles', n, 1).features;
    const b = generateToy('checkerboard', n, 2).features;
    timing[`w1_${n}_ms`] = Math.round(timed(() => otCost(a, b, { p: 1, maxPoints: n })).ms);
    timing[`w2sq_${n}_ms`] = Math.round(timed(() => otCost(a, b, { p: 2, maxPoints: n })).ms);
    console.log(`n=${n}: W1 solve ${timing[`w1_${n}_ms`]} ms, W2² solve ${timing[`w2sq_${n}_ms`]} ms`);
  }

  const pairs = {
    'fourcircles->checkerboard': { w1: [] as number[], w2sq: [] as number[], w1Floor: [] as number[], sw1: [] as number[], sw1Floor: [] as number[], sw1At5k: [] as number[], sw1FloorAt5k: [] as number[], random: [] as number[] },
    'checkerboard->checkerboard': { w1: [] as number[], w2sq: [] as number[], w1Floor: [] as number[], sw1: [] as number[], sw1Floor: [] as number[], sw1At5k: [] as number[], sw1FloorAt5k: [] as number[], random: [] as number[] },
  };
  for (let d = 0; d < draws; d++) {
    const target = generateToy('checkerboard', N, 1000 + d).features;
    const target2 = generateToy('checkerboard', N, 2000 + d).features;
    const floor = otCost(target2, target, { p: 1, maxPoints: N });
    const swFloor = slicedW1(target2, target, { projections: 5000, seed: d });
    const target5k = generateToy('checkerboard', 5000, 1000 + d).features;
    const swFloor5k = slicedW1(generateToy('checkerboard', 5000, 2000 + d).features, target5k, { projections: 5000, seed: d });
    const sources5k: Record<keyof typeof pairs, Matrix> = {
      'fourcircles->checkerboard': generateToy('fourcircles', 5000, d).features,
      'checkerboard->checkerboard': generateToy('checkerboard', 5000, 3000 + d).features,
    };
    const sources: Record<keyof typeof pairs, Matrix> = {
      'fourcircles->checkerboard': generateToy('fourcircles', N, d).features,
      'checkerboard->checkerboard': generateToy('checkerboard', N, 3000 + d).features,
    };
    for (const key of Object.keys(pairs) as (keyof typeof pairs)[]) {
      const src = sources[key];
      const r = otCost(src, target, { maxPoints: N });
      const p = pairs[key];
      p.w1.push(r.w1);
      p.w2sq.push(r.w2sq);
      p.w1Floor.push(floor.w1);
      p.sw1.push(slicedW1(src, target, { projections: 5000, seed: d }));
      p.sw1Floor.push(swFloor);
      p.sw1At5k.push(slicedW1(sources5k[key], target5k, { projections: 5000, seed: d }));
      p.sw1FloorAt5k.push(swFloor5k);
      p.random.push(pairedDistance(src, target));
      console.log(`draw ${d} ${key}: W1 ${r.w1.toFixed(4)} W2² ${r.w2sq.toFixed(4)} floor ${floor.w1.toFixed(4)} sliced ${p.sw1[d].toFixed(4)} (5000 pts ${p.sw1At5k[d].toFixed(4)} / floor ${swFloor5k.toFixed(4)})`);
    }
  }
  const summary: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(pairs)) {
    summary[key] = {
      w1: meanSd(p.w1),
      w2sq: meanSd(p.w2sq),
      w1NoiseFloor: meanSd(p.w1Floor),
      slicedW1: meanSd(p.sw1),
      slicedW1Floor: meanSd(p.sw1Floor),
      slicedW1At5000Points: meanSd(p.sw1At5k),
      slicedW1FloorAt5000Points: meanSd(p.sw1FloorAt5k),
      randomPairingDistance: meanSd(p.random),
      firstDraw: { w1: round(p.w1[0]), w2sq: round(p.w2sq[0]) },
    };
  }
  const out = {
    bench: 'ot',
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    points: N,
    draws,
    seeds: 'source fourcircles d / checkerboard 3000+d, target checkerboard 1000+d, second target 2000+d',
    timing,
    pairs: summary,
    anchors: {
      'fourcircles->checkerboard': { w1: 0.928, w2sq: 1.119, w1NoiseFloor: 0.198, slicedW1: 0.512, slicedW1Floor: 0.051, randomPairingDistance: 3.703, over10Draws: { w1: '0.941 ± 0.047', w2sq: '1.151 ± 0.107', floor: '0.186 ± 0.026' } },
      'checkerboard->checkerboard': { w1: 0.217, w2sq: 0.103, w1NoiseFloor: 0.198, slicedW1: 0.052, slicedW1Floor: 0.051, randomPairingDistance: 4.145 },
    },
  };
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results', 'ot.json');
  atomicWrite(file, JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out.pairs, null, 2));
  console.log(`wrote ${file}`);
}

main();
