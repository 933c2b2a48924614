/**
 * Atomic file writes for models, runs and checkpoints, on the one implementation in src/data/atomic.ts
 * (temp file in the same directory, fsync, rename): a reader or a crash sees the old file or the new one.
 */
import * as fs from 'fs';
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
