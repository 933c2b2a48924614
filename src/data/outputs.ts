/**
 * Output paths checked before any work starts: a training job must not find out after minutes of training
 * that its --out is a file, sits in a read-only folder, or would replace (or sit inside) one of its
 * inputs. Nothing is created here; the writers (atomic.ts) check again when they write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';
import { assertWritable } from './paths';

/** The nearest existing ancestor of `p` (p itself when it exists). */
function existingAncestor(p: string): string {
  let a = path.resolve(p);
  while (!fs.existsSync(a)) {
    const up = path.dirname(a);
    if (up === a) break;
    a = up;
  }
  return a;
}

function checkWritableFolder(dir: string, shown: string): void {
  const a = existingAncestor(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(a);
  } catch (e) {
    throw new DataError(shown, 'unwritable', `cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) {
    const what = a === path.resolve(dir) ? 'exists and is not a folder' : `cannot be created: ${a} is a file, not a folder`;
    throw new DataError(shown, 'not-a-folder', `${what}; choose another output path`);
  }
  try {
    fs.accessSync(a, fs.constants.W_OK);
  } catch {
    throw new DataError(shown, 'unwritable', `cannot be written: ${a === path.resolve(dir) ? 'the folder' : a} is read-only (no write permission)`);
  }
}

/**
 * Checks an output folder and the files a job will write in it (relative names): the folder is or can
 * become a writable folder, and no file replaces or sits inside an input (or a path in `protect`).
 */
export function checkOutputFolder(dir: string, files: readonly string[], protect: readonly string[] = []): void {
  assertWritable(dir, protect);
  checkWritableFolder(dir, dir);
  for (const f of files) {
    const p = path.join(dir, f);
    assertWritable(p, protect);
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) throw new DataError(p, 'not-a-file', 'is a folder; Flowmorph needs to write a file there');
    checkWritableFolder(path.dirname(p), path.dirname(p));
  }
}

/** Checks one output file: its folder is (or can become) writable, it is not a folder, not an input. */
export function checkOutputFile(file: string, protect: readonly string[] = []): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new DataError(file, 'not-a-file', 'is a folder; give a file name for the output');
  assertWritable(file, protect);
  checkWritableFolder(path.dirname(path.resolve(file)), path.dirname(file) || '.');
}
