/**
 * A run folder is a record (issue #12): next to the weights, every fit and morph writes
 *
 *   record.json      the resolved configuration, the Flowmorph version, the backend and its threads, the
 *                    seeds, the data paths (relative to the workspace), the budget and the steps it took;
 *   curves.jsonl     one JSON object a training step, the job's progress report (src/jobs/types.ts,
 *                    Progress): phase, step, epoch, loss, held-out loss when evaluated, learning rate,
 *                    timing, and the morph's extras (per-direction losses, displacement, penalty weight);
 *   evaluation.json  the held-out evaluation (morphs).
 *
 * The CLI and the extension's worker both run the jobs, so both write the same record.
 */
import * as fs from 'fs';
import * as path from 'path';
import { budgetOf, type ResolvedExperiment } from '../config/experiment';
import type { TrainConfig } from '../core/config';
import { writeFileAtomic, writeJsonAtomic } from '../data/atomic';
import { backendInfo } from '../core/tf';
import { gemmThreads } from '../core/wasm/dense';
import type { DataSpec, Progress } from './types';

export const RECORD_FILE = 'record.json';
export const CURVES_FILE = 'curves.jsonl';
export const EVALUATION_FILE = 'evaluation.json';

/** Collects every step's progress report, of every phase of a job: the lines of curves.jsonl. */
export class CurveLog {
  readonly points: Progress[] = [];
  add(p: Progress): void {
    this.points.push(p);
  }
  text(): string {
    return this.points.map((p) => JSON.stringify(p)).join('\n') + (this.points.length ? '\n' : '');
  }
}

/** How one model trained: its budget, and the steps and seconds it took. */
export interface Trained {
  budget: { key: 'steps' | 'epochs' | 'seconds'; value: number } | undefined;
  steps: number;
  seconds: number;
  cancelled: boolean;
}

export function trained(cfg: TrainConfig, r: { steps: number; seconds: number; cancelled: boolean }): Trained {
  return { budget: budgetOf(cfg), steps: r.steps, seconds: r.seconds, cancelled: r.cancelled };
}

/**
 * The replay note: a seconds budget makes the schedule (learning-rate decay, penalty annealing, the
 * number of steps) depend on the clock, so the run is not reproducible as configured; the steps it took
 * are recorded so that it can be replayed deterministically with --steps.
 */
export function replayNote(parts: { name: string; flag: string; t: Trained }[]): { note: string; steps: Record<string, number> } | undefined {
  const clocked = parts.filter((p) => p.t.budget?.key === 'seconds');
  if (clocked.length === 0) return undefined;
  const steps: Record<string, number> = {};
  for (const p of clocked) steps[p.name] = p.t.steps;
  const flags = clocked.map((p) => `${p.flag} ${p.t.steps}`).join(' ');
  return {
    note: `${clocked.map((p) => p.name).join(' and ')} trained on a seconds budget: the schedule followed the clock, so this run is not reproducible as configured; replay it deterministically with ${flags}`,
    steps,
  };
}

let version: string | undefined;

/** The Flowmorph version: package.json above this file (out/src/jobs, or dist/ when bundled). */
export function flowmorphVersion(): string {
  if (version) return version;
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'flowmorph' && pkg.version) return (version = pkg.version);
    } catch {
      /* not here */
    }
  }
  return (version = 'unknown');
}

/** A data path relative to the workspace (the extension's workspace folder, the CLI's working directory). */
export function workspacePath(spec: DataSpec): string {
  if (/^toy:/i.test(spec.path)) return spec.path;
  const root = spec.workspaceRoot ?? process.cwd();
  const rel = path.relative(root, path.resolve(root, spec.path));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.resolve(spec.path);
}

export interface RecordInput {
  kind: 'fit' | 'morph';
  /** The resolved configuration the job ran (fit: the base part only). */
  config: Partial<ResolvedExperiment>;
  data: Record<string, DataSpec>;
  seeds: Record<string, number>;
  trained: Record<string, Trained>;
  /** Given base models (morphs), as recorded in run.json. */
  models?: Record<string, string>;
  replay?: { note: string; steps: Record<string, number> };
  workers?: number;
}

/** Writes record.json and curves.jsonl into `dir` (and evaluation.json when given). */
export function writeRecord(dir: string, input: RecordInput, curves: CurveLog, evaluation?: unknown): void {
  fs.mkdirSync(dir, { recursive: true });
  const info = backendInfo();
  const data: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(input.data)) {
    const { workspaceRoot: _root, ...rest } = spec;
    data[k] = { ...rest, path: workspacePath(spec) };
  }
  writeFileAtomic(path.join(dir, CURVES_FILE), curves.text());
  if (evaluation !== undefined) writeJsonAtomic(path.join(dir, EVALUATION_FILE), evaluation);
  writeJsonAtomic(path.join(dir, RECORD_FILE), {
    format: 'flowmorph-record',
    version: 1,
    kind: input.kind,
    flowmorph: flowmorphVersion(),
    node: process.version,
    backend: { name: info?.name ?? 'unknown', tfjs: info?.tfName ?? 'unknown', kernelThreads: gemmThreads(), gradientWorkers: input.workers ?? 1 },
    config: input.config,
    seeds: input.seeds,
    data,
    models: input.models,
    trained: input.trained,
    replay: input.replay,
    files: { curves: CURVES_FILE, evaluation: evaluation !== undefined ? EVALUATION_FILE : undefined },
    createdAt: new Date().toISOString(),
  });
}
