/**
 * What the panel showed of a run, kept in its folder so that a window reload (which restarts the
 * extension host and kills the training) or a click on an old run can draw it again:
 * - `flowmorph-curves.jsonl`: one Progress per line, appended as the run goes;
 * - `flowmorph-plot.json`: the latest sample clouds (merged by name, as the panel merges them), written at
 *   most every PLOT_EVERY_MS and at the end.
 * An evaluation comes from the run's status record (or its morph summary).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../data/atomic';
import type { EvaluateSummary, Progress, Snapshot } from '../jobs/types';
import { CLOUD_NAMES, toFloat32, type HostToWebview } from '../protocol/webview';
import type { RunRecord } from './runs';

export const CURVES_FILE = 'flowmorph-curves.jsonl';
export const PLOT_FILE = 'flowmorph-plot.json';
const PLOT_EVERY_MS = 5000;

/** Records one run's curves and clouds into its folder. Never throws: a full disk must not stop training. */
export class RunViewWriter {
  private clouds: Snapshot | undefined;
  private paired: boolean | undefined;
  private lastWrite = 0;
  private failed = false;

  constructor(
    private readonly dir: string,
    private readonly onError: (message: string) => void,
  ) {}

  progress(p: Progress): void {
    this.guard(() => fs.appendFileSync(path.join(this.dir, CURVES_FILE), `${JSON.stringify(p)}\n`));
  }

  snapshot(s: Snapshot, paired: boolean | undefined): void {
    if (!this.clouds || this.clouds.cols !== s.cols) this.clouds = { ...s, clouds: { ...s.clouds } };
    else this.clouds = { ...s, clouds: { ...this.clouds.clouds, ...s.clouds } };
    if (paired !== undefined) this.paired = paired;
    if (Date.now() - this.lastWrite >= PLOT_EVERY_MS) this.flush();
  }

  flush(): void {
    const c = this.clouds;
    if (!c) return;
    this.lastWrite = Date.now();
    const clouds: Record<string, number[]> = {};
    for (const [name, data] of Object.entries(c.clouds)) if (data) clouds[name] = Array.from(data, (v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : 0));
    this.guard(() => writeJsonAtomic(path.join(this.dir, PLOT_FILE), { phase: c.phase, step: c.step, cols: c.cols, paired: this.paired ?? false, clouds }));
  }

  private guard(f: () => void): void {
    if (this.failed) return;
    try {
      f();
    } catch (e) {
      this.failed = true; // once: a read-only or full disk would otherwise log on every step
      this.onError(`could not keep the panel's view of ${this.dir}: ${(e as Error).message}`);
    }
  }
}

/** The progress points recorded in a run folder (flowmorph-curves.jsonl); lines cut short are skipped. */
export function readCurves(dir: string): Progress[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, CURVES_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: Progress[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const p = JSON.parse(line) as Progress;
      if (p && typeof p.phase === 'string' && typeof p.step === 'number') out.push(p);
    } catch {
      /* a line cut short by the kill: skip it */
    }
  }
  return out;
}

function readPlot(dir: string): { snapshot: Snapshot; paired: boolean } | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(dir, PLOT_FILE), 'utf8')) as { phase?: unknown; step?: unknown; cols?: unknown; paired?: unknown; clouds?: Record<string, unknown> };
    if (typeof o.cols !== 'number' || !(o.cols > 0) || !o.clouds || typeof o.clouds !== 'object') return undefined;
    const clouds: Snapshot['clouds'] = {};
    for (const name of CLOUD_NAMES) {
      const c = toFloat32(o.clouds[name]);
      if (c && c.length % o.cols === 0) clouds[name] = c;
    }
    return { snapshot: { phase: (typeof o.phase === 'string' ? o.phase : 'morph') as Snapshot['phase'], step: typeof o.step === 'number' ? o.step : 0, cols: o.cols, clouds }, paired: o.paired === true };
  } catch {
    return undefined;
  }
}

/** True when the folder holds something the panel can draw. */
export function hasRunView(dir: string): boolean {
  return fs.existsSync(path.join(dir, CURVES_FILE)) || fs.existsSync(path.join(dir, PLOT_FILE));
}

export function evaluationOf(r: RunRecord): EvaluateSummary | undefined {
  const s = r.summary as { evaluation?: EvaluateSummary } | null | undefined;
  return r.evaluation ?? s?.evaluation ?? undefined;
}

/**
 * The messages that draw `runs` (oldest first: a newer run's clouds replace an older one's of the same
 * name). The caller sends `clear` first when the panel should show these runs only.
 */
export function runViewMessages(runs: RunRecord[]): HostToWebview[] {
  const out: HostToWebview[] = [];
  const history = runs.flatMap((r) => readCurves(r.path));
  if (history.length > 0) out.push({ type: 'history', progress: history });
  for (const r of runs) {
    const plot = readPlot(r.path);
    if (plot) out.push({ type: 'snapshot', snapshot: plot.snapshot, paired: plot.paired });
  }
  for (const r of runs) {
    const ev = evaluationOf(r);
    if (ev) out.push({ type: 'metrics', summary: ev, step: (r.summary as { steps?: number } | undefined)?.steps });
  }
  return out;
}

/**
 * The runs a reloaded panel shows: the newest source and target base flows and the newest morph that left
 * something to draw, oldest first. `runs` is newest first (listRuns).
 */
export function latestView(runs: RunRecord[]): RunRecord[] {
  const picked = new Map<string, RunRecord>();
  for (const r of runs) {
    const slot = r.kind === 'morph' ? 'morph' : r.kind === 'fit' ? `fit:${r.role}` : undefined;
    if (!slot || picked.has(slot) || !hasRunView(r.path)) continue;
    picked.set(slot, r);
  }
  return [...picked.values()].reverse();
}
