/**
 * NumPy .npz archives (np.savez / np.savez_compressed): a zip of .npy members, one per array.
 *
 * Which array is read:
 * - `dataset` names one (with or without '.npy'); a 1-D array is read as one column named after it;
 * - otherwise the first 2-D array in archive order (a warning lists the others, if any);
 * - otherwise, when every array is 1-D, they are read side by side as columns named by their keys
 *   (np.savez(f, pt=pt, eta=eta, m=m)); they must all have the same length. Non-numeric ones are skipped
 *   by default (with a warning) and refused when chosen.
 * Headers are peeked by inflating only the first compressed bytes, so choosing costs little even for
 * large compressed members; the chosen members are then inflated whole (stored ones are read in place).
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataError, listNames } from './errors';
import type { ByteSource } from './bytes';
import { NpyArray, readNpyHeader, type NpyHeader } from './npy-format';
import { readArrayRows } from './npy-read';
import type { RowSink } from './sink';
import { blockRows, type OpenOptions, type Source } from './source';
import { readZipDirectory, zipMember, type ZipEntry } from './zip';

interface Member {
  key: string;
  ent: ZipEntry;
  header?: NpyHeader;
  /** Why it cannot be read (object dtype, strings, …). */
  problem?: DataError;
}

async function peek(file: string, fh: fs.promises.FileHandle, size: number, ent: ZipEntry, key: string): Promise<Member> {
  const where = { array: key };
  try {
    let src: ByteSource;
    if (ent.method === 8 && !(ent.flags & 1)) {
      const loc = Buffer.alloc(30);
      await fh.read(loc, 0, 30, ent.localOffset);
      const start = ent.localOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
      // A small compressed prefix: the header is at the start, and 16 KB inflate to 16 MB at the most.
      const raw = Buffer.alloc(Math.min(ent.csize, 1 << 14));
      const { bytesRead } = await fh.read(raw, 0, raw.length, start);
      let head: Buffer;
      try {
        head = zlib.inflateRawSync(raw.subarray(0, bytesRead), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch (e) {
        throw new DataError(file, 'zip-corrupt', `is corrupt: cannot inflate (${(e as Error).message})`, where);
      }
      src = { size: ent.usize, read: async (p, l) => head.subarray(p, p + l) };
    } else {
      src = await zipMember(file, fh, size, ent);
    }
    return { key, ent, header: await readNpyHeader(file, src, where) };
  } catch (e) {
    if (e instanceof DataError && ['npy-object', 'npy-dtype'].includes(e.code)) return { key, ent, problem: e };
    throw e;
  }
}

export async function openNpz(real: string, o: OpenOptions): Promise<Source> {
  const file = o.file;
  const fh = await fs.promises.open(real, 'r');
  try {
    const entries = await readZipDirectory(file, fh, o.size);
    const npy = entries.filter((e) => e.name.endsWith('.npy'));
    if (npy.length === 0) throw new DataError(file, 'empty', entries.length ? `holds no .npy arrays (members: ${listNames(entries.map((e) => e.name))})` : 'is an empty archive');
    const keys = npy.map((e) => e.name.slice(0, -4));
    const warnings: string[] = [];
    let chosen: Member[];
    let columnsMode = false;
    if (o.dataset !== undefined) {
      const want = o.dataset.replace(/\.npy$/, '');
      const i = keys.indexOf(want);
      if (i < 0) throw new DataError(file, 'npz-key', `has no array '${want}'; arrays: ${listNames(keys, 20)}`);
      chosen = [await peek(file, fh, o.size, npy[i], keys[i])];
    } else {
      const all: Member[] = [];
      for (let i = 0; i < npy.length; i++) all.push(await peek(file, fh, o.size, npy[i], keys[i]));
      const twoD = all.filter((m) => m.header?.shape.length === 2);
      if (twoD.length > 0) {
        chosen = [twoD[0]];
        if (all.length > 1) warnings.push(`read array '${twoD[0].key}' of ${listNames(keys)}; pass dataset to choose another`);
      } else if (all.length === 1) {
        chosen = all;
      } else {
        const bad = all.find((m) => m.header && m.header.shape.length !== 1);
        if (bad) throw new DataError(file, 'npz-shape', `holds no 2-D array and '${bad.key}' is ${bad.header!.shape.length}-D, so its arrays cannot be taken as columns; pass dataset to choose one`);
        const lens = all.filter((m) => m.header).map((m) => ({ key: m.key, n: m.header!.shape[0] }));
        if (lens.some((l) => l.n !== lens[0].n)) {
          throw new DataError(file, 'npz-lengths', `holds 1-D arrays of different lengths, so they cannot be columns: ${lens.map((l) => `${l.key} (${l.n})`).join(', ')}; pass dataset to choose one`);
        }
        chosen = all;
        columnsMode = true;
      }
    }
    if (!columnsMode && chosen[0].problem) throw chosen[0].problem;
    if (columnsMode && chosen.every((m) => m.problem)) throw chosen[0].problem!;
    const good = chosen.filter((m) => m.header);
    const rows = good[0].header!.shape[0];
    let columns: string[];
    const nonNumeric = new Map<number, string>();
    if (columnsMode) {
      columns = chosen.map((m) => m.key);
      chosen.forEach((m, i) => m.problem && nonNumeric.set(i, m.problem.reason.replace(/^holds /, '').replace(/[;,].*$/, '')));
    } else {
      const h = chosen[0].header!;
      columns = h.shape.length === 1 ? [chosen[0].key] : Array.from({ length: h.shape[1] ?? 1 }, (_, i) => `x${i}`);
    }
    const array = columnsMode ? undefined : chosen[0].key;
    const open = async (m: Member) => new NpyArray(file, await zipMember(file, fh, o.size, m.ent), m.header!, { array: m.key });
    const source: Source = {
      columns,
      rows,
      datasets: keys,
      ...(array !== undefined ? { array } : {}),
      ...(nonNumeric.size ? { nonNumeric } : {}),
      warnings,
      async read(sel: number[], sink: RowSink) {
        if (!columnsMode) {
          const arr = await open(chosen[0]);
          if (arr.extraBytes > 0) warnings.push(`array '${chosen[0].key}': ${arr.extraBytes} bytes after the data were ignored`);
          return readArrayRows(arr, sel, sink);
        }
        const arrs = await Promise.all(sel.map((c) => open(chosen[c])));
        const w = sel.length;
        const n = Math.min(rows, blockRows(w));
        const block = new Float64Array(n * w);
        for (let r0 = 0; r0 < rows && !sink.done; r0 += n) {
          const m = Math.min(n, rows - r0);
          for (let k = 0; k < w; k++) await arrs[k].readColumns(r0, m, [0], block, w, k);
          sink.pushBlock(block, m, r0 + 1);
        }
      },
      close: () => fh.close(),
    };
    return source;
  } catch (e) {
    await fh.close();
    throw e;
  }
}
