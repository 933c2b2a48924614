/**
 * Atomic file replacement: write a temporary file in the target's directory (same filesystem), flush it,
 * then rename it over the target. Readers see the old file or the new one, never half of one, and a
 * crash leaves at most a stray `.<name>.<pid>-<n>.tmp` behind, never a truncated output.
 *
 * Every write Flowmorph makes (datasets, models, runs, checkpoints, scores) goes through here, so this is
 * the one place that refuses to replace an input or to write inside one (paths.ts, assertWritable).
 */
import { createHash } from 'node:crypto';
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
  const tmp = claimTemp(target, protect);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    syncClose(fd, write);
    renameOver(tmp, target);
  } catch (e) {
    dropTemp(tmp, e);
  }
}

/** Like atomicWriteSync for writers that want a path (e.g. h5wasm): `write(tmp)` creates the file. */
export async function atomicWriteVia(target: string, write: (tmp: string) => Promise<void> | void, protect: readonly string[] = []): Promise<void> {
  const tmp = claimTemp(target, protect);
  try {
    await write(tmp);
    syncClose(fs.openSync(tmp, 'r+'));
    renameOver(tmp, target);
  } catch (e) {
    dropTemp(tmp, e);
  }
}

/** The temporary path beside `target` (checked writable), its dead predecessors removed. */
function claimTemp(target: string, protect: readonly string[]): string {
  assertWritable(target, protect);
  const tmp = tempPathFor(target);
  cleanStaleTemps(path.dirname(tmp), path.basename(target));
  return tmp;
}

/** Runs `write(fd)` if given, fsyncs, and closes fd whatever happens. */
function syncClose(fd: number, write?: (fd: number) => void): void {
  try {
    write?.(fd);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function renameOver(tmp: string, target: string): void {
  fs.renameSync(tmp, path.resolve(target));
  markWritten(target);
}

/** A failed write leaves no temporary file behind. */
function dropTemp(tmp: string, e: unknown): never {
  fs.rmSync(tmp, { force: true });
  throw e;
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

/** Writes `value` as indented JSON (with a final newline) atomically. */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/*
 * Pairs: models, runs and checkpoints.
 *
 * A model is a pair (a JSON description and a weights file) that no rename replaces at once, so pairs are
 * written this way: the JSON records the SHA-256 of its weights; before the weights are replaced, the
 * ones the current JSON names are kept as `.<bin>.prev` (a hard link of the current file, or the `.prev`
 * a cut save left); the new weights, then the new JSON are renamed in; then `.prev` goes. A kill at any
 * point leaves a JSON whose weights are either the current file or `.prev`, and the reader takes the one
 * whose hash matches.
 */

/** Float32Array as little-endian bytes (no copy on little-endian machines). */
export function floatBytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function readFloat32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  if (b.byteLength % 4 !== 0) throw new Error(`${file}: size ${b.byteLength} is not a whole number of float32 values`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const prevOf = (bin: string) => path.join(path.dirname(bin), `.${path.basename(bin)}.prev`);

let pauseMs = 0;

/**
 * Test hook (FLOWMORPH_TEST_PAUSE_MS, read by src/env.ts): pause `ms` between the writes of a pair, after
 * a line on stderr naming the gap (`flowmorph-test: gap <where> <file>`), so the kill test can aim at it.
 */
export function setPairWritePause(ms: number): void {
  pauseMs = ms > 0 ? ms : 0;
}

function pauseBetweenWrites(where: string, file: string): void {
  const ms = pauseMs;
  if (!(ms > 0)) return;
  process.stderr.write(`flowmorph-test: gap ${where} ${file}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The hash a pair's JSON records, if it can be read. */
function recordedHash(json: string, hashKey: string): string | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(json, 'utf8'))?.[hashKey];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `bytes` to dir/binName and `meta` plus `{ [hashKey]: sha256 }` to dir/jsonName, as a pair; returns the hash. */
export function writePairSync(dir: string, binName: string, bytes: Uint8Array, jsonName: string, meta: object, hashKey: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, binName);
  const prev = prevOf(bin);
  // Keep the weights the current JSON names: after a cut save those are `.prev`, not `bin`.
  if (!(fs.existsSync(prev) && sha256Hex(fs.readFileSync(prev)) === recordedHash(path.join(dir, jsonName), hashKey))) {
    fs.rmSync(prev, { force: true });
    if (fs.existsSync(bin)) {
      try {
        fs.linkSync(bin, prev);
      } catch {
        fs.copyFileSync(bin, prev);
      }
    }
  }
  pauseBetweenWrites('before', bin);
  writeFileAtomic(bin, bytes);
  pauseBetweenWrites('between', bin);
  const sha = sha256Hex(bytes);
  writeJsonAtomic(path.join(dir, jsonName), { ...meta, [hashKey]: sha });
  pauseBetweenWrites('after', bin);
  fs.rmSync(prev, { force: true });
  return sha;
}

/**
 * The weights that belong to a JSON of a pair: `bin` when its hash is `expectSha` (or no hash was
 * recorded), else the kept `.prev` when that one matches (a save was cut short), else an error.
 */
export function readPairedFloat32(bin: string, jsonFile: string, expectSha: unknown): Float32Array {
  const w = readFloat32(bin);
  if (expectSha === undefined || sha256Hex(floatBytes(w)) === expectSha) return w;
  const prev = prevOf(bin);
  if (fs.existsSync(prev)) {
    const p = readFloat32(prev);
    if (sha256Hex(floatBytes(p)) === expectSha) return p;
  }
  throw new Error(`${bin}: does not match ${jsonFile} (the two come from different saves, or the weights are damaged); train it again`);
}
