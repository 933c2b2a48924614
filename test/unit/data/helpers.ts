/** Shared helpers for the data-layer tests: temporary folders, file hashes, DataError expectations. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/data/errors';
import { matrix, type Matrix } from '../../../src/data/matrix';
import { Rng } from '../../../src/core/random';

/** Repository root (tests run from out/test/unit/data). */
export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** Files written by NumPy, pandas and h5py (see test/fixtures/real/make.py). */
export const REAL = path.join(ROOT, 'test', 'fixtures', 'real');

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flowmorph-${tag}-`));
}

export function sha256(p: string): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

/** v[r, c] = 10 r + c + 0.25, the table every real fixture holds. */
export function realTable(rows: number, cols: number, col0 = 0): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = col0; c < col0 + cols; c++) out.push(10 * r + c + 0.25);
  return out;
}

export function randomMatrix(rows: number, cols: number, seed = 1, names?: string[]): Matrix {
  const rng = new Rng(seed);
  const d = new Float32Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 10 ** rng.int(7) * 10 ** -3;
  return matrix(rows, cols, d, names);
}

export interface Expected {
  code: string;
  file: string;
  row?: number;
  column?: string | number;
  array?: string;
  /** Must match the reason (the message after the location). */
  reason: RegExp;
}

/** Awaits a rejection and checks it is the DataError described, with the documented message layout. */
export async function rejectsWith(p: Promise<unknown>, want: Expected): Promise<DataError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DataError, `expected a DataError (${want.code}), got ${err instanceof Error ? err.stack : String(err)}`);
  const e = err as DataError;
  assert.equal(e.code, want.code, e.message);
  assert.equal(e.file, want.file);
  assert.equal(e.row, want.row, e.message);
  assert.equal(e.column, want.column, e.message);
  assert.equal(e.array, want.array, e.message);
  const parts: string[] = [];
  if (want.array !== undefined) parts.push(`array '${want.array}'`);
  if (want.row !== undefined) parts.push(`row ${want.row}`);
  if (want.column !== undefined) parts.push(`column ${typeof want.column === 'number' ? want.column : `'${want.column}'`}`);
  const prefix = parts.length ? `${want.file}: ${parts.join(', ')}: ` : `${want.file}: `;
  assert.ok(e.message.startsWith(prefix), `message should start with "${prefix}": ${e.message}`);
  assert.match(e.reason, want.reason);
  assert.equal(e.message, prefix + e.reason);
  return e;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 0, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b)) assert.ok(Number.isNaN(a), `${what}[${i}]: ${a} is not NaN`);
    else assert.ok(Math.abs(a - b) <= tol, `${what}[${i}]: ${a} vs ${b}`);
  }
}

export function write(dir: string, name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}
