/**
 * Atomic file writes for models, runs and checkpoints, on the one implementation in src/data/atomic.ts
 * (temp file in the same directory, fsync, rename): a reader or a crash sees the old file or the new one.
 *
 * A model is a pair (a JSON description and a weights file) that no rename replaces at once, so pairs are
 * written this way: the JSON records the SHA-256 of its weights; before the weights are replaced, the
 * ones the current JSON names are kept as `.<bin>.prev` (a hard link of the current file, or the `.prev`
 * a cut save left); the new weights, then the new JSON are renamed in; then `.prev` goes. A kill at any point leaves a JSON whose weights are either the current file or `.prev`,
 * and the reader takes the one whose hash matches.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../data/atomic';

export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  writeFileAtomic(file, data);
}

export function writeJsonAtomicSync(file: string, value: unknown): void {
  writeFileAtomicSync(file, JSON.stringify(value, null, 2) + '\n');
}

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

/**
 * Test hook: FLOWMORPH_TEST_PAUSE_MS pauses between the writes of a pair, after a line on stderr naming
 * the gap (`flowmorph-test: gap <where> <file>`), so the kill test can aim at it.
 */
function pauseBetweenWrites(where: string, file: string): void {
  const ms = Number(process.env.FLOWMORPH_TEST_PAUSE_MS);
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
  writeFileAtomicSync(bin, bytes);
  pauseBetweenWrites('between', bin);
  const sha = sha256Hex(bytes);
  writeJsonAtomicSync(path.join(dir, jsonName), { ...meta, [hashKey]: sha });
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
