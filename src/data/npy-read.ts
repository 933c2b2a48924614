/**
 * A .npy file as a Source: the header is read once, then whole rows (C order) or column slices (Fortran
 * order) are read in ~4 MB blocks straight from the file. Columns are named x0, x1, … (.npy has no names).
 */
import * as fs from 'node:fs';
import { fileBytes } from './bytes';
import { NpyArray, readNpyHeader } from './npy-format';
import type { RowSink } from './sink';
import { blockRows, type OpenOptions, type Source } from './source';

export async function openNpy(real: string, o: OpenOptions): Promise<Source> {
  const fh = await fs.promises.open(real, 'r');
  try {
    const src = fileBytes(fh, 0, o.size);
    const arr = new NpyArray(o.file, src, await readNpyHeader(o.file, src, {}), {});
    const warnings: string[] = [];
    if (arr.extraBytes > 0) warnings.push(`${arr.extraBytes} bytes follow the array data and were ignored`);
    return {
      columns: Array.from({ length: arr.cols }, (_, i) => `x${i}`),
      rows: arr.rows,
      warnings,
      read: (sel, sink) => readArrayRows(arr, sel, sink),
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Streams the selected columns of one array into the sink in blocks of rows. */
export async function readArrayRows(arr: NpyArray, sel: number[], sink: RowSink): Promise<void> {
  const w = sel.length;
  // Block size by what is read per row: all columns in C order, only the chosen ones in Fortran order.
  const per = Math.max(1, Math.floor((4 << 20) / (arr.h.fortran ? w * arr.h.dtype.size : arr.rowBytes)));
  const n = Math.min(arr.rows, per, blockRows(w) * 4);
  const rowMajor = !arr.h.fortran || arr.cols === 1;
  const block = rowMajor ? new Float64Array(0) : new Float64Array(n * w);
  const map = Int32Array.from(sel);
  for (let r0 = 0; r0 < arr.rows && !sink.done; r0 += n) {
    const m = Math.min(n, arr.rows - r0);
    if (rowMajor) {
      // Decoded rows go to the sink as they are; the sink picks the columns.
      sink.pushRows(await arr.readRows(r0, m), m, arr.cols, map, r0 + 1);
    } else {
      await arr.readColumns(r0, m, sel, block, w, 0);
      sink.pushBlock(block, m, r0 + 1);
    }
  }
}
