/**
 * Export Samples of a base flow, in the worker: the host hands over the last snapshot's clouds and the
 * files to write; the writers (src/data/write.ts: CSV, NPY, HDF5 through h5wasm, Parquet) load here, never
 * on the extension host's thread.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeDataset } from '../data/write';
import type { WriteSamplesJob } from '../protocol/worker';

export async function writeSamples(job: WriteSamplesJob): Promise<Record<string, unknown>> {
  const written: string[] = [];
  for (const f of job.files) {
    fs.mkdirSync(path.dirname(f.file), { recursive: true });
    await writeDataset(f.file, { rows: f.rows, cols: f.cols, data: f.data, columns: f.columns });
    written.push(f.file);
  }
  return { files: written };
}
