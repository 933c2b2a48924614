/**
 * Flowmorph's benchmark against the PyTorch reference of the flows-for-flows paper (its figures: ./table.ts).
 *
 *   npm run bench                 step timings, evaluation throughput, 60-s NLL, morphs (~12 min)
 *   npm run bench -- --quick      step timings only (~1.5 min)
 * Step timings: the base flow on every backend that loads (1 thread) with a phase breakdown, then two
 * threads (the default: dense products split with a helper thread) and the trainer's data-parallel mode,
 * and the flow-for-flow step in both directions on 1 and 2 threads. `base_step_ms` and `f4f_step_ms` in
 * latest.json are the default configuration (2 threads on a 2-core machine); `…_1thread` the single thread.
 *   npm run bench -- --morph      the morph benchmark only (trains its three base flows first)
 * Options: --backend wasm|cpu|native (the measurement backend, default wasm), --seconds S (quality
 * budget, 60), --morph-seconds S (90), --base-seconds S (base flows the morph bench trains itself, 60).
 * Morph bench trials: --morph-steps N / --base-steps N (steps budgets for a loaded machine), --pairs
 * SUBSTRING[,…], --methods m[,…], --morph-json '{"ot":{"block":128}}' (settings on top of the defaults);
 * FLOWMORPH_BENCH_RESULTS=DIR writes the result files there instead of bench/results.
 *
 * Prints a table (figure, Flowmorph, reference, ratio, backend) and writes bench/results/latest.json; a
 * full run also writes full.json, morph.json and README-table.md, a --morph run morph.json. Every file is
 * written atomically. The machine is shared: each section records the load average around it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, type BackendName } from '../src/core/tf';
import type { MorphMethod } from '../src/core/config';
import { BATCHES, baseStepBreakdown, baseSteps, evalThroughput, f4fSteps, referenceParameterCount, withGemmThreads, type StepTiming, type TimingOptions } from './steps';
import { applyEnvironment } from '../src/env';
import {
  REFERENCE,
  RATIO_LEGEND,
  calibrationMs,
  load,
  machine,
  machineLine,
  markdownTable,
  nllRow,
  rateRow,
  timeRow,
  writeJson,
  writeText,
  type Row,
} from './table';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
/** The quality and morph benchmarks load the job layer (data readers, model files) only when they run. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lazy = <T>(m: string): T => require(m) as T;
const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

/** Per-backend timing budgets: the cpu backend is ~10× slower, so fewer steps and a tighter cap. */
const TIMING: Record<BackendName, TimingOptions> = {
  wasm: { warmup: 3, steps: 20, capMs: 20000, workers: 1 },
  native: { warmup: 3, steps: 20, capMs: 20000, workers: 1 },
  cpu: { warmup: 1, steps: 5, capMs: 15000, workers: 1 },
};

const ms = (t: StepTiming | undefined) => t?.ms ?? null;
const key = (n: number) => `${n}` as '128' | '512' | '1024';

async function main(): Promise<void> {
  applyEnvironment(); // FLOWMORPH_* settings (src/env.ts), as the CLI reads them
  const mode = flag('quick') ? 'quick' : flag('morph') ? 'morph' : 'full';
  const measure = arg('backend', 'wasm') as BackendName;
  const mach = machine();
  const info = await initBackend(measure);
  const result: Record<string, any> = {
    bench: 'flowmorph',
    mode,
    backend: info.name,
    machine: mach,
    reference: REFERENCE,
    ratio_legend: RATIO_LEGEND,
  };
  const rows: Row[] = [];
  const skipped: string[] = [];
  const stepRow = (figure: string, t: StepTiming, ref: number | null, backend: string, what: string): Row => {
    if (t.skipped) skipped.push(`${what}: ${t.skipped}`);
    return timeRow(figure, t.ms, ref, backend, t.skipped ? 'skipped' : undefined);
  };
  log(`mode ${mode}, measuring on ${info.name}; ${machineLine(mach)}`);

  if (mode !== 'morph') {
    const params = referenceParameterCount();
    result.parameters = params;
    rows.push({ figure: 'parameters, reference architecture', ours: params, reference: REFERENCE.parameters, unit: 'count', ratio: params / REFERENCE.parameters, backend: '—' });
    if (params !== REFERENCE.parameters) log(`WARNING: ${params} parameters, the reference has ${REFERENCE.parameters}`);

    // Base-flow steps on every backend that loads, on one thread (the product helper paused), the
    // measurement backend first.
    const one = (b: BackendName): TimingOptions => ({ ...TIMING[b], workers: 1, gemmThreads: 1 });
    const byBackend: Record<string, Record<string, StepTiming>> = {};
    const others = (['wasm', 'native', 'cpu'] as BackendName[]).filter((b) => b !== info.name);
    for (const b of [info.name, ...others]) {
      try {
        await initBackend(b);
      } catch (e) {
        skipped.push(`${b} backend: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      const l0 = load();
      log(`base-flow steps on ${b}, 1 thread`);
      byBackend[b] = await baseSteps(b, one(b));
      result[`load_base_steps_${b}`] = [l0, load()];
      for (const n of BATCHES) rows.push(stepRow(`base-flow step, batch ${n}, 1 thread`, byBackend[b][n], REFERENCE.base_step_ms[key(n)], b, `${b} base step at batch ${n}`));
    }
    result.base_step_ms_1thread = Object.fromEntries(BATCHES.map((n) => [`${n}`, ms(byBackend[info.name][n])]));
    result.base_step_detail = byBackend;
    await initBackend(info.name);
    log(`base-flow step phases on ${info.name}`);
    result.base_step_breakdown_ms = await withGemmThreads(1, () => baseStepBreakdown(info.name)).then((r) => r.value);

    // Two threads, the default on two cores: every large dense product split with the helper thread
    // (src/core/wasm/dense.ts). Then the trainer's data-parallel mode (each thread half the batch),
    // which is off by default on two cores (src/core/train/parallel.ts says why). Both against the
    // reference's best 2-thread run.
    let l0 = load();
    log(`base-flow steps on ${info.name}, 2 threads (products split)`);
    const base2 = await baseSteps(info.name, { ...TIMING[info.name], workers: 1, gemmThreads: 2 });
    result.load_base_steps_2threads = [l0, load()];
    result.base_step_ms = Object.fromEntries(BATCHES.map((n) => [`${n}`, ms(base2[n])]));
    result.base_step_ms_config = `default: dense products on ${base2[BATCHES[0]].gemmThreads ?? 1} thread(s), one gradient thread`;
    result.base_step_2threads_detail = base2;
    for (const n of BATCHES) rows.push(stepRow(`base-flow step, batch ${n}, 2 threads`, base2[n], REFERENCE.base_step_ms_2threads[key(n)], info.name, `2-thread base step at batch ${n}`));
    l0 = load();
    log(`base-flow steps on ${info.name}, 2 threads (data-parallel)`);
    const dp = await baseSteps(info.name, { ...TIMING[info.name], workers: 2 });
    result.load_base_steps_data_parallel = [l0, load()];
    result.base_step_ms_data_parallel = Object.fromEntries(BATCHES.map((n) => [`${n}`, ms(dp[n])]));
    result.base_step_data_parallel_detail = dp;
    for (const n of BATCHES) rows.push(stepRow(`base-flow step, batch ${n}, 2 threads data-parallel`, dp[n], REFERENCE.base_step_ms_2threads[key(n)], info.name, `data-parallel base step at batch ${n}`));

    // Flow for flows, both directions, one thread (the reference's figures) and two (products split).
    for (const threads of [1, 2] as const) {
      l0 = load();
      log(`flow-for-flow steps on ${info.name}, ${threads} thread(s)`);
      const f4f = await f4fSteps(info.name, { ...TIMING[info.name], workers: 1, gemmThreads: threads });
      const sfx = threads === 1 ? '_1thread' : '';
      result[`load_f4f_steps${sfx}`] = [l0, load()];
      result[`f4f_step_ms${sfx}`] = Object.fromEntries(BATCHES.map((n) => [`${n}`, { forward: ms(f4f[n].forward), inverse: ms(f4f[n].inverse) }]));
      result[`f4f_step${sfx}_detail`] = f4f;
      for (const n of BATCHES) {
        for (const dir of ['forward', 'inverse'] as const) {
          const ref = REFERENCE.f4f_step_ms[n]?.[dir] ?? null;
          rows.push(stepRow(`flow-for-flow step, ${dir}, batch ${n}, ${threads === 1 ? '1 thread' : '2 threads'}`, f4f[n][dir], ref, info.name, `f4f ${dir} step at batch ${n}, ${threads} thread(s)`));
        }
      }
    }
    result.f4f_step_ms_config = result.base_step_ms_config;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmorph-bench-'));
  try {
    if (mode === 'full') {
      const l0 = load();
      log(`evaluation throughput on ${info.name}`);
      const ev1 = await evalThroughput(info.name, 5, 1);
      const ev = await evalThroughput(info.name, 5, 2);
      result.eval_samples_per_s = ev;
      result.eval_samples_per_s_1thread = ev1;
      result.load_eval = [l0, load()];
      rows.push(rateRow('log_prob at batch 10 000, 1 thread', ev1.logprob, REFERENCE.eval_samples_per_s.logprob, info.name));
      rows.push(rateRow('sample at batch 10 000, 1 thread', ev1.sample, REFERENCE.eval_samples_per_s.sample, info.name));
      rows.push(rateRow(`log_prob at batch 10 000, ${ev.gemmThreads} threads`, ev.logprob, REFERENCE.eval_samples_per_s.logprob, info.name));
      rows.push(rateRow(`sample at batch 10 000, ${ev.gemmThreads} threads`, ev.sample, REFERENCE.eval_samples_per_s.sample, info.name));

      const { fitToy, QUALITY_METHOD } = lazy<typeof import('./quality')>('./quality');
      const seconds = Number(arg('seconds', '60'));
      result.nll_method = QUALITY_METHOD;
      result.nll_60s = {};
      const models: Record<string, string> = {};
      for (const name of ['checkerboard', 'fourcircles'] as const) {
        log(`quality: ${name}, ${seconds} s`);
        const q = await fitToy(name, seconds, path.join(work, `base-${name}`), info.name);
        models[name] = q.model;
        result.nll_60s[name] = { ...q, model: undefined, budget_seconds: seconds, reference: REFERENCE.nll_60s[name], reference_300s: REFERENCE.nll_300s[name] };
        rows.push(nllRow(`held-out NLL after ${seconds} s, ${name}`, q.nll, REFERENCE.nll_60s[name], q.entropy, info.name, `entropy ${q.entropy.toFixed(4)}, ${q.steps} steps`));
      }
      result.morph = await runMorphBench(info.name, work, models);
    } else if (mode === 'morph') {
      result.morph = await runMorphBench(info.name, work);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  mach.load_end = os.loadavg().map((v) => Math.round(v * 100) / 100);
  mach.calibration_ms_end = calibrationMs();
  result.skipped = skipped;
  result.table = rows;
  const table = markdownTable(rows);
  const morphMd = result.morph ? lazy<typeof import('./morph')>('./morph').morphTable(result.morph.pairs) : '';
  console.log('\n' + table + '\n\n' + RATIO_LEGEND + '\n' + machineLine(mach));
  if (morphMd) console.log('\n' + morphMd);
  if (skipped.length) console.log('\nSkipped:\n- ' + skipped.join('\n- '));

  const childJson = arg('child-json', '');
  if (childJson) {
    // A child of `--morph --jobs N`: hand the result to the parent, write nothing else.
    fs.writeFileSync(childJson, JSON.stringify(result.morph));
    return;
  }
  const files = [writeJson('latest.json', result)];
  if (mode === 'full') {
    files.push(writeJson('full.json', result));
    files.push(writeText('README-table.md', readmeTable(table, morphMd, mach, result)));
  }
  if (result.morph) {
    files.push(writeJson('morph.json', { backend: info.name, machine: mach, ...result.morph }));
    const head = `Measured on ${machineLine(mach)}; backend ${info.name}; morph ${result.morph.morphSteps ? `${result.morph.morphSteps} steps` : `${result.morph.morphSeconds} s`}, base flows ${result.morph.baseSeconds} s${result.morph.morphOverrides ? `; settings on top of the defaults: ${JSON.stringify(result.morph.morphOverrides)}` : ''}.`;
    files.push(writeText('morph-table.md', `${head}\n\n${morphMd}\n`));
  }
  log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

/**
 * `--jobs N`: the pairs split over N child processes running at once (on a machine shared with other work
 * each process gets its own share of the cores); the parent gathers their results in the pairs' order.
 */
async function morphChildren(jobs: number, work: string): Promise<any> {
  const { benchPairs } = lazy<typeof import('./morph')>('./morph');
  const only = arg('pairs', '') ? arg('pairs', '').split(',') : undefined;
  const names = benchPairs(work, false).map((p) => p.name).filter((n) => !only || only.some((s) => n.includes(s)));
  const groups: string[][] = Array.from({ length: Math.min(jobs, names.length) }, () => []);
  names.forEach((n, i) => groups[i % groups.length].push(n));
  const keep = process.argv.slice(2).filter((a, i, all) => !['--jobs', '--pairs'].includes(a) && !['--jobs', '--pairs'].includes(all[i - 1]));
  const { spawn } = lazy<typeof import('child_process')>('child_process');
  const parts = await Promise.all(
    groups.map(
      (g, k) =>
        new Promise<any>((resolve, reject) => {
          const out = path.join(work, `child-${k}.json`);
          const child = spawn(process.execPath, [process.argv[1], ...keep, '--pairs', g.join(','), '--child-json', out], { stdio: ['ignore', 'pipe', 'inherit'] });
          child.stdout.on('data', (d: Buffer) => process.stdout.write(d.toString().replace(/^\[bench /gm, `[bench ${k} `)));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(fs.readFileSync(out, 'utf8'))) : reject(new Error(`morph bench child ${k} exited ${code}`))));
        }),
    ),
  );
  const pairs = names.map((n) => parts.flatMap((p) => p.pairs).find((p: any) => p.pair === n));
  return { ...parts[0], pairs, jobs: groups.length, childLoad: parts.map((p) => p.load) };
}

async function runMorphBench(backend: BackendName, work: string, _models?: Record<string, string>) {
  const { morphBench } = lazy<typeof import('./morph')>('./morph');
  const l0 = load();
  const jobs = Number(arg('jobs', '1'));
  if (jobs > 1) return { ...(await morphChildren(jobs, work)), load: [l0, load()] };
  const r = await morphBench({
    backend,
    baseSeconds: Number(arg('base-seconds', '60')),
    morphSeconds: Number(arg('morph-seconds', '60')),
    morphSteps: arg('morph-steps', '') ? Number(arg('morph-steps', '')) : undefined,
    baseSteps: arg('base-steps', '') ? Number(arg('base-steps', '')) : undefined,
    morphOverrides: arg('morph-json', '') ? JSON.parse(arg('morph-json', '')) : undefined,
    work,
    methods: arg('methods', '') ? (arg('methods', '').split(',') as MorphMethod[]) : undefined,
    only: arg('pairs', '') ? arg('pairs', '').split(',') : undefined,
    log,
  });
  return { ...r, load: [l0, load()] };
}

function readmeTable(table: string, morphMd: string, mach: ReturnType<typeof machine>, result: Record<string, any>): string {
  const parts = [
    `<!-- written by \`npm run bench\` (bench/run.ts); do not edit by hand -->`,
    `Measured on ${machineLine(mach)}; backend ${result.backend}. The machine was shared with other work: compare figures within one run.`,
    '',
    table,
    '',
    RATIO_LEGEND,
  ];
  if (morphMd) {
    parts.push('', `Morphs (${result.morph.morphSeconds} s of morph training each, default settings; base flows ${result.morph.baseSeconds} s each). Fidelity: exact W1 to 2 000 held-out target points over the floor (two target samples); displacement: mean L2 over the exact OT cost, 2 000 vs 2 000:`, '', morphMd);
  }
  return parts.join('\n') + '\n';
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
