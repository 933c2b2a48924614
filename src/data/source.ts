/**
 * The contract between read.ts and the per-format readers. A reader opens a file, says which columns it
 * offers (and, for containers, which arrays), then streams the chosen columns into a RowSink in blocks.
 */
import type { RowSink } from './sink';

export type DatasetFormat = 'csv' | 'tsv' | 'npy' | 'npz' | 'json' | 'hdf5' | 'parquet';

export interface OpenOptions {
  /** The path as the user gave it: every message starts with it. */
  file: string;
  /** HDF5 dataset/group path or .npz key. */
  dataset?: string;
  /** File size in bytes (already stat'ed). */
  size: number;
  format: DatasetFormat;
  /** CSV/TSV: whether the first content line is a header; detected when undefined. */
  header?: boolean;
}

export interface Source {
  columns: string[];
  /** Exact data-row count, when the format records it. */
  rows?: number;
  /** Estimated rows, for the first allocation when `rows` is unknown. */
  sizeHint?: number;
  /** Arrays a container offers (HDF5 paths, .npz keys), for the user to choose from. */
  datasets?: string[];
  /** The array being read, named in messages. */
  array?: string;
  /** Columns that are present but not numeric: index → what they hold. */
  nonNumeric?: Map<number, string>;
  warnings: string[];
  /** Streams columns `sel` (features then conditions) into the sink, stopping early once sink.done. */
  read(sel: number[], sink: RowSink): Promise<void>;
  close(): Promise<void>;
}

/** Rows per block so one float64 block of `width` columns stays near 4 MB. */
export function blockRows(width: number): number {
  return Math.max(1, Math.floor((4 * 1024 * 1024) / (8 * Math.max(1, width))));
}
