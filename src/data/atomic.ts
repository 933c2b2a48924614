/**
 * Atomic file replacement: write a temporary file in the target's directory (same filesystem), flush it,
 * then rename it over the target. Readers see the old file or the new one, never half of one, and a
 * crash leaves at most a stray `.<name>.<pid>-<n>.tmp` behind, never a truncated output.
 *
 * Every write Flowmorph makes (datasets, models, runs, checkpoints, scores) goes through here, so this is
 * the one place that refuses to replace an input or to write inside one (paths.ts, assertWritable).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertWritable, markWritten } from './paths';

let counter = 0;

/** The temp path beside `target`; creates the target's folder if missing (outputs may name a new one). */
export function tempPathFor(target: string): string {
  const abs = path.resolve(target);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}-${counter++}.tmp`);
}

const TEMP = /^\.(.+)\.(\d+)-\d+\.tmp$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files a killed Flowmorph left in `dir` (`.<name>.<pid>-<n>.tmp` whose process is gone),
 * only those for `name` when given. Returns the names removed.
 */
export function cleanStaleTemps(dir: string, name?: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const m = TEMP.exec(e);
    if (!m || (name !== undefined && m[1] !== name) || alive(Number(m[2]))) continue;
    try {
      fs.rmSync(path.join(dir, e), { force: true });
      removed.push(e);
    } catch {
      // Not ours to insist on: a leftover we cannot remove does no harm.
    }
  }
  return removed;
}

/** Writes through `write(fd)` into a temporary file, fsyncs, renames over `target`. */
export function atomicWriteSync(target: string, write: (fd: number) => void, protect: readonly string[] = []): void {
  assertWritable(target, protect);
  const tmp = tempPathFor(target);
  cleanStaleTemps(path.dirname(tmp), path.basename(target));
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.resolve(target));
    markWritten(target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Like atomicWriteSync for writers that want a path (e.g. h5wasm): `write(tmp)` creates the file. */
export async function atomicWriteVia(target: string, write: (tmp: string) => Promise<void> | void, protect: readonly string[] = []): Promise<void> {
  assertWritable(target, protect);
  const tmp = tempPathFor(target);
  cleanStaleTemps(path.dirname(tmp), path.basename(target));
  try {
    await write(tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.resolve(target));
    markWritten(target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes all of `data` to fd (writeSync may write less than asked). */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

/** Writes a whole string or byte array atomically. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  atomicWriteSync(target, (fd) => writeAll(fd, data));
}
