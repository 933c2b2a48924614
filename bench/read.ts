/**
 * Read benchmark: 1,000,000 × 6 float32 written as CSV, NPY and HDF5 to a temporary folder, then each read
 * by readDataset in a fresh child process (5 times; the median counts), reporting wall seconds of the
 * readDataset call (including h5wasm's first load for HDF5: a fresh process pays it), its CPU seconds
 * (all threads; steadier than wall time on a shared machine, recorded with the load average) and peak RSS
 * (process.resourceUsage().maxRSS), raw and over two baselines: an idle node process, and a process that
 * has loaded the reader (and h5wasm, for HDF5) without reading.
 *
 * Targets: CSV < 3 s, NPY and HDF5 < 0.5 s, peak RSS < 4 × the 24 MB payload over the idle baseline.
 * Usage: node out/bench/read.js   (writes bench/results/read.json atomically and prints the same JSON)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../src/core/random';
import { writeFileAtomic } from '../src/data/atomic';
import { matrix } from '../src/data/matrix';
import { readDataset } from '../src/data/read';
import { loadH5 } from '../src/data/hdf5-read';
import { writeCsv, writeDataset, writeNpy } from '../src/data/write';
import { applyEnvironment } from '../src/env';

const ROWS = 1_000_000;
const COLS = 6;
const REPEATS = 5;
const MB = 1024 * 1024;

function sumOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

async function child(mode: string, file?: string): Promise<void> {
  const out: Record<string, unknown> = {};
  if (mode === '--loaded') {
    const t0 = process.hrtime.bigint();
    if (file === 'hdf5') await loadH5();
    out.loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  } else {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const ds = await readDataset(file!);
    out.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    out.cpuSeconds = (c.user + c.system) / 1e6;
    out.rows = ds.features.rows;
    out.cols = ds.features.cols;
    out.sum = sumOf(ds.features.data);
  }
  out.maxRSSMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
}

function run(args: string[]): Record<string, number> {
  const argv = args[0] === '--idle' ? ['-e', 'process.stdout.write(JSON.stringify({ maxRSSMB: process.resourceUsage().maxRSS / 1024 }))'] : [__filename, ...args];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  applyEnvironment(); // FLOWMORPH_* settings (src/env.ts), as the CLI reads them
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmorph-bench-read-'));
  try {
    const rng = new Rng(1);
    const data = new Float32Array(ROWS * COLS);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    const m = matrix(ROWS, COLS, data, ['a', 'b', 'c', 'd', 'e', 'f']);
    const expected = sumOf(data);
    const files = { csv: path.join(dir, 'x.csv'), npy: path.join(dir, 'x.npy'), hdf5: path.join(dir, 'x.h5') };
    const writeSeconds: Record<string, number> = {};
    let t = Date.now();
    writeCsv(files.csv, m);
    writeSeconds.csv = (Date.now() - t) / 1000;
    t = Date.now();
    writeNpy(files.npy, m);
    writeSeconds.npy = (Date.now() - t) / 1000;
    t = Date.now();
    await writeDataset(files.hdf5, m);
    writeSeconds.hdf5 = (Date.now() - t) / 1000;

    const idle = median(Array.from({ length: REPEATS }, () => run(['--idle']).maxRSSMB));
    const payloadMB = (ROWS * COLS * 4) / MB;
    const targets = { csv: 3, npy: 0.5, hdf5: 0.5 };
    const formats: Record<string, unknown> = {};
    let pass = true;
    for (const [fmt, file] of Object.entries(files)) {
      const loadedRuns = Array.from({ length: REPEATS }, () => run(['--loaded', fmt]));
      const loaded = median(loadedRuns.map((r) => r.maxRSSMB));
      const runs = Array.from({ length: REPEATS }, () => run(['--child', file]));
      for (const r of runs) {
        if (r.rows !== ROWS || r.cols !== COLS || r.sum !== expected) throw new Error(`${fmt}: read back ${r.rows}×${r.cols}, sum ${r.sum} ≠ ${expected}`);
      }
      const seconds = median(runs.map((r) => r.seconds));
      const rss = median(runs.map((r) => r.maxRSSMB));
      const ok = seconds < targets[fmt as keyof typeof targets] && rss - idle < 4 * payloadMB;
      pass &&= ok;
      formats[fmt] = {
        fileMB: +(fs.statSync(file).size / MB).toFixed(1),
        writeSeconds: writeSeconds[fmt],
        seconds: +seconds.toFixed(3),
        secondsAll: runs.map((r) => +r.seconds.toFixed(3)),
        // CPU time of all threads (wasm compiles in the background): less sensitive to a busy machine.
        cpuSeconds: +median(runs.map((r) => r.cpuSeconds)).toFixed(3),
        targetSeconds: targets[fmt as keyof typeof targets],
        // Part of `seconds` spent loading the library (h5wasm's wasm), paid once per process.
        libraryLoadSeconds: +median(loadedRuns.map((r) => r.loadSeconds)).toFixed(3),
        peakRSSMB: +rss.toFixed(1),
        overIdleMB: +(rss - idle).toFixed(1),
        overLoadedMB: +(rss - loaded).toFixed(1),
        loadedBaselineMB: +loaded.toFixed(1),
        targetOverIdleMB: +(4 * payloadMB).toFixed(1),
        pass: ok,
      };
    }
    const result = {
      bench: 'read',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((x) => +x.toFixed(2)),
      units: 'seconds; MB = MiB (2^20 bytes)',
      rows: ROWS,
      cols: COLS,
      payloadMB: +payloadMB.toFixed(2),
      idleBaselineMB: +idle.toFixed(1),
      repeats: REPEATS,
      formats,
      pass,
    };
    const text = JSON.stringify(result, null, 2) + '\n';
    const out = path.resolve(__dirname, '..', '..', 'bench', 'results', 'read.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    writeFileAtomic(out, text);
    process.stdout.write(text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, arg] = process.argv.slice(2);
(mode ? child(mode, arg) : main()).catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
