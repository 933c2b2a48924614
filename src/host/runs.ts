/**
 * Run folders on disk. Every job the extension starts gets its own folder under the experiment's output
 * folder (`flowmorph-runs/20261126-104501-fit-source/`), where the engine writes its model or run files
 * and the host keeps a status record, `flowmorph-status.json` (written atomically at start and end), so
 * the runs list survives a restart of VS Code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../data/atomic';
import type { EvaluateSummary, FitSummary, MorphSummary } from '../jobs/types';
import type { RunInfo } from '../protocol/webview';

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
  writeJsonAtomic(path.join(rec.path, STATUS_FILE), rec);
}

const KINDS: readonly RunRecord['kind'][] = ['fit', 'morph', 'transport', 'evaluate'];
const STATUSES: readonly RunRecord['status'][] = ['running', 'done', 'cancelled', 'failed', 'interrupted'];
const ROLES: readonly RunRecord['role'][] = ['source', 'target', 'file', 'morph', 'transport', 'evaluate'];

/**
 * A status record as read from disk, every field checked: a record written by an older version, cut short,
 * or edited by hand has fields missing or null (a cancelled run stores `finalLoss: null`), and whoever
 * shows it must not have to guess. Missing strings get defaults; a summary that is not an object is dropped.
 */
export function sanitizeRecord(raw: unknown, dir: string): RunRecord | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const pick = <T extends string>(v: unknown, allowed: readonly T[], d: T): T => (allowed.includes(v as T) ? (v as T) : d);
  const kind = pick(o.kind, KINDS, 'fit');
  const data = o.data && typeof o.data === 'object' ? (o.data as Record<string, unknown>) : {};
  const isObj = (v: unknown): boolean => !!v && typeof v === 'object' && !Array.isArray(v);
  return {
    id: str(o.id) ?? path.basename(dir),
    label: str(o.label) ?? path.basename(dir),
    kind,
    path: dir,
    status: pick(o.status, STATUSES, 'failed'),
    role: pick(o.role, ROLES, kind === 'morph' ? 'morph' : 'file'),
    data: { source: str(data.source), target: str(data.target) },
    startedAt: str(o.startedAt) ?? '',
    endedAt: str(o.endedAt),
    error: str(o.error),
    output: str(o.output),
    summary: isObj(o.summary) ? (o.summary as RunRecord['summary']) : undefined,
    evaluation: isObj(o.evaluation) ? (o.evaluation as EvaluateSummary) : undefined,
    baseKeys: isObj(o.baseKeys) ? { source: str((o.baseKeys as Record<string, unknown>).source), target: str((o.baseKeys as Record<string, unknown>).target) } : undefined,
  };
}

export function readRecord(dir: string): RunRecord | undefined {
  try {
    return sanitizeRecord(JSON.parse(fs.readFileSync(path.join(dir, STATUS_FILE), 'utf8')), dir);
  } catch {
    return undefined;
  }
}

/** Why a run ended without finishing, when no one saw it end. */
export const INTERRUPTED = 'interrupted: the window closed or reloaded while it trained';

/**
 * Runs under `root`, newest first. A record still saying 'running' that is not `activeId` belongs to a
 * window that closed or reloaded mid-run: it is marked 'interrupted' (on disk too, so it does not stay
 * 'running' forever), its files as they were left, its last checkpoint ready to resume from.
 */
export function listRuns(root: string, activeId?: string): RunRecord[] {
  if (!fs.existsSync(root)) return [];
  const out: RunRecord[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const rec = readRecord(path.join(root, e.name));
    if (!rec) continue;
    if (rec.status === 'running' && rec.id !== activeId) {
      const marked: RunRecord = { ...rec, status: 'interrupted', error: rec.error ?? INTERRUPTED };
      try {
        writeRecord(marked);
      } catch {
        /* read-only folder: shown as interrupted all the same */
      }
      out.push(marked);
    } else out.push(rec);
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

/** A number with `digits` decimals, or '–' when the record has none (null, missing, not a number). */
/**
 * The column names a run folder's model.json (else run.json) recorded, the first list `fits` accepts
 * (default: any non-empty one); undefined when neither has one.
 */
export function recordedColumns(dir: string, fits: (columns: string[]) => boolean = (c) => c.length > 0): string[] | undefined {
  for (const f of ['model.json', 'run.json']) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { columns?: string[] };
      if (meta.columns && fits(meta.columns)) return meta.columns;
    } catch {
      /* not written (yet) */
    }
  }
  return undefined;
}

function num(v: unknown, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/**
 * One line of key metrics for a run, as shown in the tree. Any field of a record may be missing or null
 * (a stopped run stores `finalLoss: null`): those show as '–'.
 */
export function runMetrics(r: RunRecord): string {
  if (r.status === 'failed') return r.error ?? 'failed';
  if (r.status === 'interrupted') return 'interrupted · right-click › Resume';
  const stopped = r.status === 'cancelled' ? 'stopped · ' : '';
  if (r.kind === 'fit' && r.summary) {
    const s = r.summary as Partial<Record<keyof FitSummary, unknown>>;
    return `${stopped}val NLL ${num(s.valNll)} · ${num(s.steps, 0)} steps${typeof s.backend === 'string' ? ` · ${s.backend}` : ''}`;
  }
  if (r.kind === 'morph' && r.summary) {
    const s = r.summary as Partial<MorphSummary> & { finalLoss?: number | null };
    const f = s.evaluation?.morph?.fidelity;
    const d = s.evaluation?.morph?.displacement;
    const extra = f && d ? ` · fidelity ${num(f.slicedW1)} (floor ${num(f.slicedW1Floor)}) · moved ${num(d.meanL2)}` : '';
    const method = typeof s.method === 'string' ? `${s.method}${s.method === 'ot-cfm' ? ' (no density)' : ''} · ` : '';
    return `${stopped}${method}loss ${num(s.finalLoss)} · ${num(s.steps, 0)} steps${extra}`;
  }
  if (r.kind === 'transport' && r.output) return `→ ${path.basename(r.output)}`;
  return r.status;
}
