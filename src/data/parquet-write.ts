/**
 * Apache Parquet output through hyparquet-writer: one FLOAT (float32) column per matrix column, named
 * as the matrix's columns, required (NaN and ±Inf are stored as such, not as nulls), snappy-compressed,
 * row groups of 100 000 rows. pandas (pyarrow / fastparquet), polars and our own reader (parquet-read.ts)
 * read it back. The file is written atomically and never over an input (atomic.ts).
 */
import { atomicWriteSync, writeAll } from './atomic';
import type { Matrix } from './matrix';

type HW = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });

let loading: Promise<HW> | undefined;
function loadWriter(): Promise<HW> {
  loading ??= import('hyparquet-writer') as Promise<HW>;
  return loading;
}

/** Rows per row group: bounds a reader's memory per group without many tiny groups. */
export const PARQUET_ROW_GROUP = 100_000;

export async function writeParquet(p: string, m: Matrix, opts: { protect?: string[] } = {}): Promise<void> {
  if (m.data.length !== m.rows * m.cols) throw new Error(`matrix: ${m.data.length} values for ${m.rows}×${m.cols}`);
  if (m.columns.length !== m.cols) throw new Error(`matrix: ${m.columns.length} names for ${m.cols} columns`);
  if (new Set(m.columns).size !== m.columns.length) throw new Error(`matrix: duplicate column names (${m.columns.join(', ')}); Parquet needs distinct names`);
  const hw = await loadWriter();
  const columnData = m.columns.map((name, j) => {
    const data = new Float32Array(m.rows);
    for (let i = 0, o = j; i < m.rows; i++, o += m.cols) data[i] = m.data[o];
    return { name, data, type: 'FLOAT' as const, nullable: false };
  });
  const bytes = new Uint8Array(hw.parquetWriteBuffer({ columnData, rowGroupSize: PARQUET_ROW_GROUP, createdBy: 'flowmorph' }));
  // atomicWriteSync refuses any input (and opts.protect) as the target, like every other writer.
  atomicWriteSync(p, (fd) => writeAll(fd, bytes), opts.protect);
}
