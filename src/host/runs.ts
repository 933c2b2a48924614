/**
 * Run folders on disk. Every job the extension starts gets its own folder under the experiment's output
 * folder (`flowmorph-runs/20261126-104501-fit-source/`), where the engine writes its model or run files
 * and the host keeps a status record, `flowmorph-status.json` (written atomically at start and end), so
 * the runs list survives a restart of VS Code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomicSync } from '../core/io/atomic';
import type { EvaluateSummary } from '../jobs/types';
import type { RunInfo } from '../protocol';

export const STATUS_FILE = 'flowmorph-status.json';

export interface RunRecord extends RunInfo {
  /** Which model: the experiment's source or target base flow, a base flow of any file, or the morph. */
  role: 'source' | 'target' | 'file' | 'morph' | 'transport' | 'evaluate';
  /** Absolute data paths the run used. */
  data: { source?: string; target?: string };
  startedAt: string;
  endedAt?: string;
  error?: string;
  /** Output file of a transport (morphFile) run. */
  output?: string;
  /** Result of an evaluate run. */
  evaluation?: EvaluateSummary;
  /** Morph runs: reuse keys of the base flows this run trained itself (baseReuse.ts). */
  baseKeys?: Partial<Record<'source' | 'target', string>>;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates a fresh run folder `<root>/<timestamp>-<slug>` (suffixed -2, -3… when taken). */
export function createRunDir(root: string, slug: string): string {
  fs.mkdirSync(root, { recursive: true });
  const base = `${stamp()}-${slug.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60)}`;
  for (let i = 1; ; i++) {
    const dir = path.join(root, i === 1 ? base : `${base}-${i}`);
    try {
      fs.mkdirSync(dir); // not recursive: fails if it exists, so two runs never share a folder
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function writeRecord(rec: RunRecord): void {
  writeJsonAtomicSync(path.join(rec.path, STATUS_FILE), rec);
}

export function readRecord(dir: string): RunRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATUS_FILE), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/**
 * Runs under `root`, newest first. A record still saying 'running' that is not `activeId` belongs to a
 * window that closed mid-run: it is reported as failed ("interrupted"), its files as they were left.
 */
export function listRuns(root: string, activeId?: string): RunRecord[] {
  if (!fs.existsSync(root)) return [];
  const out: RunRecord[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const rec = readRecord(path.join(root, e.name));
    if (!rec) continue;
    rec.path = path.join(root, e.name); // folders may have moved since the record was written
    if (rec.status === 'running' && rec.id !== activeId) out.push({ ...rec, status: 'failed', error: rec.error ?? 'interrupted' });
    else out.push(rec);
  }
  return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** The folder of the newest finished base model for `role` trained on `dataPath`, if any. */
export function latestModel(runs: RunRecord[], role: 'source' | 'target', dataPath: string): string | undefined {
  const want = path.resolve(dataPath);
  for (const r of runs) {
    if (r.kind !== 'fit' || r.status !== 'done' || r.summary?.cancelled) continue;
    const used = r.data.source ?? r.data.target;
    if ((r.role === role || r.role === 'file') && used && path.resolve(used) === want && fs.existsSync(path.join(r.path, 'model.json'))) return r.path;
  }
  return undefined;
}

/** The newest finished morph run (a folder with run.json). */
export function latestMorph(runs: RunRecord[]): RunRecord | undefined {
  return runs.find((r) => r.kind === 'morph' && r.status === 'done' && fs.existsSync(path.join(r.path, 'run.json')));
}
