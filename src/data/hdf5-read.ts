/**
 * HDF5 (.h5 / .hdf5) through h5wasm, which reads the file in place (Emscripten NODERAWFS) and slices rows
 * through libhdf5, so only the blocks being converted are in memory.
 *
 * Tables it recognises (the `dataset` option names a dataset or group path; without it the first found
 * is read, pandas frames first, then 2-D datasets, then column groups):
 * - any 2-D numeric dataset (column names from a 'columns' / 'column_names' / 'names' string attribute);
 * - a 1-D numeric dataset, as one column (only when named);
 * - a group of equal-length 1-D numeric datasets, one column each (named after them);
 * - the pandas "fixed" layout (df.to_hdf(..., format='fixed'), e.g. the LHC Olympics 2020 R&D files):
 *   a group with axis0 (column labels), axis1 (index) and blockN_items / blockN_values, where each
 *   blockN_values is rows × items of one dtype. Non-numeric blocks are skipped or refused by name.
 * pandas format='table' frames keep their column names in pickled attributes, which are never unpickled:
 * they are refused with advice to re-save as 'fixed'.
 */
import * as fs from 'node:fs';
import { DataError, listNames } from './errors';
import { h5Reason, loadH5, type H5 } from './hdf5-lib';
import { Slicer } from './hdf5-slice';
import { discover, named, type Table } from './hdf5-tables';
import type { RowSink } from './sink';
import { blockRows, type OpenOptions, type Source } from './source';

export { loadH5 } from './hdf5-lib';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function hasSignature(real: string, size: number): Promise<boolean> {
  const fh = await fs.promises.open(real, 'r');
  try {
    const b = Buffer.alloc(8);
    // The superblock sits at 0 or after a user block of 512 · 2^k bytes.
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      await fh.read(b, 0, 8, at);
      if (b.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

export async function openHdf5(real: string, o: OpenOptions): Promise<Source> {
  const file = o.file;
  if (o.size === 0) throw new DataError(file, 'empty', 'is empty');
  if (!(await hasSignature(real, o.size))) throw new DataError(file, 'bad-magic', 'is not an HDF5 file (no HDF5 signature)');
  const h5 = await loadH5();
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(real, 'r');
  } catch (e) {
    const why = h5Reason(e);
    throw new DataError(file, /truncated/i.test(why) ? 'truncated' : 'hdf5-open', `cannot be opened as HDF5: ${why}`);
  }
  try {
    const found = o.dataset !== undefined ? [named(h5, f, file, o.dataset)] : discover(h5, f, file);
    const t = found[0];
    const warnings: string[] = [];
    if (o.dataset === undefined && found.length > 1) warnings.push(`read '${t.path}' of ${listNames(found.map((x) => x.path))}; pass dataset to choose another`);
    const datasets = o.dataset === undefined ? found.map((x) => x.path) : undefined;
    return {
      columns: t.names,
      rows: t.rows,
      ...(datasets ? { datasets } : {}),
      array: t.path,
      ...(t.nonNumeric.size ? { nonNumeric: t.nonNumeric } : {}),
      warnings,
      read: async (sel, sink) => readTable(h5, file, t, sel, sink),
      close: async () => {
        f.close();
      },
    };
  } catch (e) {
    f.close();
    if (e instanceof DataError) throw e;
    throw new DataError(file, 'hdf5-read', `cannot be read: ${h5Reason(e)}`);
  }
}

/** Every table in the file, in the order of preference. */
async function readTable(h5: H5, file: string, t: Table, sel: number[], sink: RowSink): Promise<void> {
  const slicer = new Slicer(h5);
  const w = sel.length;
  // Per dataset: which of its columns are wanted, and where they go in the block.
  const plan = new Map<number, { j: number; k: number }[]>();
  sel.forEach((c, k) => {
    const { ds, j } = t.cols[c];
    if (!plan.has(ds)) plan.set(ds, []);
    plan.get(ds)!.push({ j, k });
  });
  // Blocks of ~1 MB: the wasm heap never shrinks, so its buffer is kept small.
  const n = Math.min(t.rows, Math.max(1, blockRows(w) >> 2));
  const block = new Float64Array(n * w);
  const direct = plan.size === 1 && [...plan.values()][0][0].j >= 0;
  try {
    for (let r0 = 0; r0 < t.rows && !sink.done; r0 += n) {
      const m = Math.min(n, t.rows - r0);
      if (direct) {
        // One 2-D dataset: hand its slice to the sink as is, columns picked by offset.
        const [ds, want] = [...plan.entries()][0];
        const d = t.datasets[ds];
        const js = want.map((x) => x.j);
        const lo = Math.min(...js);
        const hi = Math.max(...js) + 1;
        const total = (d.shape ?? [0, 0])[1];
        if (hi - lo <= Math.max(64, 2 * want.length) || total <= 256) {
          const v = slicer.read(d, r0, r0 + m, lo, hi);
          const map = new Int32Array(w);
          for (const { j, k } of want) map[k] = j - lo;
          sink.pushRows(v, m, hi - lo, map, r0 + 1);
          continue;
        }
      }
      for (const [ds, want] of plan) {
        const d = t.datasets[ds];
        if (want[0].j < 0) {
          const v = slicer.read(d, r0, r0 + m);
          const k = want[0].k;
          for (let r = 0; r < m; r++) block[r * w + k] = v[r];
          continue;
        }
        const js = want.map((x) => x.j);
        const lo = Math.min(...js);
        const hi = Math.max(...js) + 1;
        const total = (d.shape ?? [0, 0])[1];
        // One slice over the span of wanted columns when that is not much wider than needed; else one per column.
        if (hi - lo <= Math.max(64, 2 * want.length) || total <= 256) {
          const span = hi - lo;
          const v = slicer.read(d, r0, r0 + m, lo, hi);
          for (const { j, k } of want) for (let r = 0; r < m; r++) block[r * w + k] = v[r * span + j - lo];
        } else {
          for (const { j, k } of want) {
            const v = slicer.read(d, r0, r0 + m, j, j + 1);
            for (let r = 0; r < m; r++) block[r * w + k] = v[r];
          }
        }
      }
      sink.pushBlock(block, m, r0 + 1);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    const why = h5Reason(e);
    throw new DataError(file, /truncated|eof|addr overflow/i.test(why) ? 'truncated' : 'hdf5-read', `cannot be read: ${why}`, { array: t.path });
  } finally {
    slicer.free();
  }
}
