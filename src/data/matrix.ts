/**
 * A dense row-major float32 table: the one shape datasets take in Flowmorph. No per-row JS objects, so a
 * million-row sample costs its payload and nothing more.
 */
export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, length rows * cols. */
  data: Float32Array;
  /** One name per column. */
  columns: string[];
}

export function matrix(rows: number, cols: number, data?: Float32Array, columns?: string[]): Matrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`matrix: ${d.length} values for ${rows}×${cols}`);
  return { rows, cols, data: d, columns: columns ?? Array.from({ length: cols }, (_, i) => `x${i}`) };
}

/** Rows picked by index, in that order. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float32Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i] * m.cols, (idx[i] + 1) * m.cols), i * m.cols);
  return { rows: idx.length, cols: m.cols, data: out, columns: m.columns.slice() };
}

/** Rows [start, end). Shares no memory with m. */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: m.cols, data: m.data.slice(start * m.cols, end * m.cols), columns: m.columns.slice() };
}

/** Columns picked by index, in that order. */
export function takeColumns(m: Matrix, cols: number[]): Matrix {
  const out = new Float32Array(m.rows * cols.length);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < cols.length; j++) out[r * cols.length + j] = m.data[r * m.cols + cols[j]];
  return { rows: m.rows, cols: cols.length, data: out, columns: cols.map((c) => m.columns[c]) };
}

/** The columns of a, then those of b (same rows). */
export function hstack(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`hstack: ${a.rows} rows beside ${b.rows}`);
  const cols = a.cols + b.cols;
  const out = new Float32Array(a.rows * cols);
  for (let i = 0; i < a.rows; i++) {
    out.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * cols);
    out.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * cols + a.cols);
  }
  return matrix(a.rows, cols, out, [...a.columns, ...b.columns]);
}
