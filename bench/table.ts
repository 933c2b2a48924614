/**
 * Shared plumbing of the benchmark: the machine record (the box is shared, so every run keeps its load
 * average), the reference figures (REFERENCE below), the printed table and atomic result files.
 */
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../src/data/atomic';

/** Where result files go: bench/results, or FLOWMORPH_BENCH_RESULTS (trial runs that must not replace the committed figures). */
export const RESULTS_DIR = process.env.FLOWMORPH_BENCH_RESULTS ? path.resolve(process.env.FLOWMORPH_BENCH_RESULTS) : path.join(__dirname, '..', '..', 'bench', 'results');

/** The PyTorch + nflows reference on a 2-vCPU EPYC, 1 thread, as measured for this project. */
export const REFERENCE = {
  base_step_ms: { '128': 13.2, '512': 25.2, '1024': 41.3 },
  base_step_ms_2threads: { '128': 12.3, '512': 25.6, '1024': 41.0 },
  f4f_step_ms: { '128': { forward: 26.1, inverse: 37.5 }, '512': { forward: 45.8, inverse: 68.0 } } as Record<string, { forward: number; inverse: number }>,
  eval_samples_per_s: { logprob: 65000, sample: 20000 },
  nll_60s: { checkerboard: 3.516, fourcircles: 2.918 },
  nll_300s: { checkerboard: 3.483, fourcircles: 2.876 },
  parameters: 289464,
};

export interface Load {
  /** 1-minute load average (2 cores: above ~1 someone else is running). */
  load1: number;
  at: string;
}

export function load(): Load {
  return { load1: Math.round(os.loadavg()[0] * 100) / 100, at: new Date().toISOString() };
}

/**
 * A fixed single-thread JS workload (4 M multiply-adds over a 64 K Float64Array), median ms of the last 9 of 24 runs: a
 * gauge of how much CPU this process got. On a quiet 2-vCPU EPYC it takes a few ms; when it grows between
 * the start and the end of a run, the figures in between were measured on a contended machine.
 */
export function calibrationMs(): number {
  const a = new Float64Array(65536).map((_, i) => (i % 7) * 0.25);
  const ts: number[] = [];
  let sink = 0;
  for (let r = 0; r < 24; r++) {
    const t = performance.now();
    let acc = 0;
    for (let k = 0; k < 64; k++) for (let i = 0; i < a.length; i++) acc += a[i] * k;
    sink += acc;
    if (r >= 15) ts.push(performance.now() - t); // the first runs warm up V8's optimising tiers
  }
  if (sink === 42) console.log(''); // keep the loop observable
  return round(median(ts));
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  load_start: number[];
  load_end?: number[];
  /** calibrationMs() at start and end. */
  calibration_ms_start: number;
  calibration_ms_end?: number;
  date: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    load_start: os.loadavg().map((v) => Math.round(v * 100) / 100),
    calibration_ms_start: calibrationMs(),
    date: new Date().toISOString(),
  };
}

export function machineLine(m: Machine): string {
  const l = (a?: number[]) => (a ? a.join(' / ') : '?');
  return (
    `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date.slice(0, 10)}; load average (1/5/15 min) ${l(m.load_start)} at start, ` +
    `${l(m.load_end)} at end; CPU gauge ${m.calibration_ms_start} ms at start, ${m.calibration_ms_end ?? '?'} ms at end`
  );
}

/**
 * One line of the table. `ratio` says how far Flowmorph is behind the reference (> 1 = behind):
 * times: ours ÷ reference; throughputs: reference ÷ ours; NLL: our excess over the true entropy ÷ the
 * reference's excess.
 */
export interface Row {
  figure: string;
  ours: number | null;
  reference: number | null;
  unit: string;
  ratio: number | null;
  backend: string;
  note?: string;
}

export function timeRow(figure: string, ours: number | null, reference: number | null, backend: string, note?: string): Row {
  return { figure, ours, reference, unit: 'ms', ratio: ours !== null && reference ? ours / reference : null, backend, note };
}

export function rateRow(figure: string, ours: number | null, reference: number | null, backend: string): Row {
  return { figure, ours, reference, unit: 'samples/s', ratio: ours && reference ? reference / ours : null, backend };
}

export function nllRow(figure: string, ours: number | null, reference: number, entropy: number, backend: string, note?: string): Row {
  return { figure, ours, reference, unit: 'nats', ratio: ours !== null ? (ours - entropy) / (reference - entropy) : null, backend, note };
}

function fmt(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (unit === 'nats') return v.toFixed(3);
  if (unit === 'samples/s') return Math.round(v).toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** A Markdown table (also what the console shows). */
export function markdownTable(rows: Row[]): string {
  const lines = ['| figure | Flowmorph | reference | ratio | backend |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const u = r.unit === 'ms' ? ' ms' : r.unit === 'nats' ? '' : '';
    const ours = fmt(r.ours, r.unit) + (r.ours !== null ? u : '') + (r.note ? ` (${r.note})` : '');
    const ref = r.reference !== null ? fmt(r.reference, r.unit) + u : '—';
    lines.push(`| ${r.figure} | ${ours} | ${ref} | ${r.ratio !== null ? r.ratio.toFixed(2) + '×' : '—'} | ${r.backend} |`);
  }
  return lines.join('\n');
}

export const RATIO_LEGEND =
  'ratio > 1 means Flowmorph is behind the reference: step times ours ÷ reference (PyTorch 1.13 + nflows, 1 thread); ' +
  'throughputs reference ÷ ours; NLL (excess over the true entropy) ours ÷ reference.';

export function writeJson(name: string, value: unknown): string {
  const file = path.join(RESULTS_DIR, name);
  writeJsonAtomic(file, value);
  return file;
}

export function writeText(name: string, text: string): string {
  const file = path.join(RESULTS_DIR, name);
  writeFileAtomic(file, text);
  return file;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

export function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
