/**
 * Atomic file writes: write a temp file in the same directory, fsync, rename over the target. A reader
 * (or a crash) sees the old file or the new one, never half of one.
 */
import * as fs from 'fs';
import * as path from 'path';

export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
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
