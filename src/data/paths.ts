/**
 * Where files may be read from and written to. Flowmorph reads users' files in place and never modifies
 * them: every path read is registered, and writers refuse to replace a registered input (or any path the
 * caller protects), comparing real paths and, for existing files, device + inode so that symlinks and
 * hard links to an input are refused too. Files Flowmorph wrote itself in this process are exempt, so an
 * output can be previewed and then rewritten by the next run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors';

/**
 * True when `p` lies strictly inside folder `root` (lexically, after resolving). A name that merely begins
 * with two dots (`..data.csv`) is inside; `..` and `../x` are not.
 */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(p));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * `p` (relative to `base`) when it stays inside `root` (or is `root`), else undefined: the extension keeps
 * its output folder and the models a run names inside the workspace.
 */
export function confined(root: string, base: string, p: string): string | undefined {
  const abs = path.resolve(base, p);
  return abs === path.resolve(root) || isInside(root, abs) ? abs : undefined;
}

const inputs = new Map<string, string>(); // key (real path or dev:ino) → path as given

function keysOf(p: string): string[] {
  const abs = path.resolve(p);
  const keys: string[] = [];
  try {
    const st = fs.statSync(abs);
    keys.push(`ino:${st.dev}:${st.ino}`);
    keys.push(`path:${fs.realpathSync(abs)}`);
  } catch {
    // Not there (yet): compare by the real path of the nearest existing ancestor + the rest.
    let base = abs;
    const rest: string[] = [];
    for (;;) {
      const up = path.dirname(base);
      rest.unshift(path.basename(base));
      base = up;
      try {
        keys.push(`path:${path.join(fs.realpathSync(base), ...rest)}`);
        break;
      } catch {
        if (path.dirname(base) === base) {
          keys.push(`path:${abs}`);
          break;
        }
      }
    }
  }
  return keys;
}

const written = new Set<string>(); // real paths of files Flowmorph itself wrote in this process

/**
 * Marks a file as an input: writers refuse to replace it for the life of the process. Files Flowmorph
 * wrote itself in this process (outputs being previewed, say) are not users' samples and stay writable.
 */
export function registerInput(p: string): void {
  const keys = keysOf(p);
  if (keys.some((k) => written.has(k))) return;
  for (const k of keys) inputs.set(k, p);
}

/** Forgets one registered input. */
export function unregisterInput(p: string): void {
  for (const k of keysOf(p)) inputs.delete(k);
}

/** Forgets all registered inputs (tests, or a host that starts a fresh session). */
export function clearInputs(): void {
  inputs.clear();
  written.clear();
}

/** Records a file Flowmorph has just written (called by the writers after the rename). */
export function markWritten(p: string): void {
  for (const k of keysOf(p)) if (k.startsWith('path:')) written.add(k);
}

/** Throws DataError 'protected-input' if writing `target` would replace a registered input or one of `protect`. */
export function assertWritable(target: string, protect: readonly string[] = []): void {
  const mine = keysOf(target);
  const extra = new Map<string, string>();
  for (const p of protect) for (const k of keysOf(p)) extra.set(k, p);
  for (const k of mine) {
    const hit = inputs.get(k) ?? extra.get(k);
    if (hit !== undefined) {
      const same = path.resolve(hit) === path.resolve(target) ? '' : ` (${hit})`;
      throw new DataError(target, 'protected-input', `refusing to write over an input file${same}; Flowmorph never modifies the files it reads: choose another output path`);
    }
  }
  // Nor inside one: an input given as a folder (a model, a run), or a file used as if it were a folder.
  const at = mine.find((k) => k.startsWith('path:'))?.slice(5);
  if (at === undefined) return;
  for (const [k, hit] of [...inputs, ...extra]) {
    if (!k.startsWith('path:')) continue;
    if (isInside(k.slice(5), at)) {
      throw new DataError(target, 'protected-input', `refusing to write inside the input ${hit}; Flowmorph never modifies the files it reads: choose another output path`);
    }
  }
}

/**
 * Checks that `p` is a readable regular file (inside `workspaceRoot` when given) and returns its real path
 * and size. Messages name the path as given.
 */
export async function checkReadable(p: string, workspaceRoot?: string): Promise<{ real: string; size: number }> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(p, 'not-found', 'no such file');
    throw new DataError(p, 'unreadable', `cannot be read (${code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new DataError(p, 'not-a-file', 'is a directory, not a data file');
  if (!st.isFile()) throw new DataError(p, 'not-a-file', 'is not a regular file');
  const real = await fs.promises.realpath(p);
  if (workspaceRoot !== undefined) {
    let root: string;
    try {
      root = await fs.promises.realpath(workspaceRoot);
    } catch {
      root = path.resolve(workspaceRoot);
    }
    if (!isInside(root, real)) {
      throw new DataError(p, 'outside-workspace', `is outside the workspace ${workspaceRoot}${real !== path.resolve(p) ? ` (it resolves to ${real})` : ''}; open that folder or copy the file in`);
    }
  }
  try {
    await fs.promises.access(real, fs.constants.R_OK);
  } catch (e) {
    throw new DataError(p, 'unreadable', `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'no permission'})`);
  }
  return { real, size: st.size };
}
