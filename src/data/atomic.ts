/**
 * Atomic file replacement: write a temporary file in the target's directory (same filesystem), flush it,
 * then rename it over the target. Readers see the old file or the new one, never half of one, and a
 * crash leaves at most a stray `.<name>.<pid>-<n>.tmp` behind, never a truncated output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** The temp path beside `target`; creates the target's folder if missing (outputs may name a new one). */
export function tempPathFor(target: string): string {
  const abs = path.resolve(target);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}-${counter++}.tmp`);
}

/** Writes through `write(fd)` into a temporary file, fsyncs, renames over `target`. */
export function atomicWriteSync(target: string, write: (fd: number) => void): void {
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.resolve(target));
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Like atomicWriteSync for writers that want a path (e.g. h5wasm): `write(tmp)` creates the file. */
export async function atomicWriteVia(target: string, write: (tmp: string) => Promise<void> | void): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.resolve(target));
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
