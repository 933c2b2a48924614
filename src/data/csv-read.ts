/**
 * CSV / TSV / whitespace-delimited text, streamed: the file is read in 1 MB chunks into one reused buffer
 * and numbers are parsed from the bytes (number-parse.ts), so the text is never held whole nor as
 * strings; only the rows kept reach memory, as float32. Rows in messages are physical line numbers.
 */
import * as fs from 'node:fs';
import { DataError } from './errors';
import { detectLayout, TAB, WS, type CsvLayout } from './csv-detect';
import { parseCellText, scanEnd, scanNumber } from './number-parse';
import type { RowSink } from './sink';
import type { OpenOptions, Source } from './source';

const CHUNK = 1 << 20;
const MAX_LINE = 256 << 20;

export async function openCsv(real: string, o: OpenOptions): Promise<Source> {
  const fh = await fs.promises.open(real, 'r');
  try {
    let buf = Buffer.allocUnsafeSlow(Math.min(CHUNK, Math.max(1, o.size)));
    let len = 0;
    // Read at least one complete line (a very wide header may exceed the first megabyte).
    for (;;) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
      len += bytesRead;
      if (len >= o.size || bytesRead === 0 || buf.subarray(0, len).indexOf(10) >= 0) break;
      if (len === buf.length) {
        if (buf.length >= MAX_LINE) throw new DataError(o.file, 'line-too-long', `its first line is longer than ${MAX_LINE >> 20} MB`);
        const b = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(b, 0, 0, len);
        buf = b;
      }
    }
    const layout = detectLayout(o.file, buf.subarray(0, len), len >= o.size, o.format === 'tsv' ? TAB : undefined, o.header);
    const sizeHint = layout.bytesPerLine > 0 ? Math.ceil(((o.size - layout.dataOffset) / layout.bytesPerLine) * 1.02) + 16 : undefined;
    return {
      columns: layout.names,
      ...(sizeHint !== undefined ? { sizeHint } : {}),
      warnings: layout.warnings.slice(),
      read: (sel, sink) => readRows(fh, o, layout, sel, sink),
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function readRows(fh: fs.promises.FileHandle, o: OpenOptions, L: CsvLayout, sel: number[], sink: RowSink): Promise<void> {
  const file = o.file;
  const names = L.names;
  const ncols = names.length;
  const slot = new Int32Array(ncols).fill(-1);
  sel.forEach((c, k) => (slot[c] = k));
  const row = sink.row;
  const d = L.delimiter;
  const ws = d === WS;
  const blankTab = d !== TAB; // a tab is a blank unless it delimits
  const comma = L.comma;
  let buf = Buffer.allocUnsafeSlow(CHUNK);
  let len = 0;
  let pos = 0;
  let filePos = L.dataOffset;
  let lineNo = L.headerLine; // lines before the header are blank or comments
  let eof = false;

  const notNumber = (s: number, e: number, col: number): never => {
    const text = buf.toString('utf8', s, e).trim();
    const hint = col < ncols && L.headerLine > 0 && text === names[col] ? ' (the header line repeated?)' : '';
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new DataError(file, 'not-numeric', `'${shown}' is not a number${hint}`, { row: lineNo, column: col < ncols ? names[col] : col });
  };

  // Only the columns read must be numbers: a text column left out (--columns) may hold anything.
  const wanted = (col: number) => col >= ncols || slot[col] >= 0;

  const line = (s: number, e: number): void => {
    let p = s;
    while (p < e && (buf[p] === 32 || buf[p] === TAB)) p++;
    if (p === e || buf[p] === 35) return; // blank or comment
    while (e > p && (buf[e - 1] === 32 || (blankTab && buf[e - 1] === TAB))) e--;
    if (L.trailing && buf[e - 1] === d) e--;
    let col = 0;
    for (;;) {
      while (p < e && (buf[p] === 32 || (blankTab && buf[p] === TAB))) p++;
      let v: number;
      let q: number;
      if (p < e && buf[p] === 34) {
        // Quoted field: rare in numeric data, so the slow path.
        let j = p + 1;
        let text = '';
        for (;;) {
          const k = buf.indexOf(34, j);
          if (k < 0 || k >= e) throw new DataError(file, 'csv-quote', 'a quoted field is not closed on this line', { row: lineNo, column: col < ncols ? names[col] : col });
          text += buf.toString('utf8', j, k);
          if (k + 1 < e && buf[k + 1] === 34) {
            text += '"';
            j = k + 2;
          } else {
            j = k + 1;
            break;
          }
        }
        const u = parseCellText(text, comma);
        if (u === undefined && wanted(col)) notNumber(p + 1, j - 1, col);
        v = u as number;
        q = j;
        while (q < e && (buf[q] === 32 || (blankTab && buf[q] === TAB))) q++;
        if (q < e && buf[q] !== d && !ws) throw new DataError(file, 'csv-quote', 'text after a closing quote', { row: lineNo, column: col < ncols ? names[col] : col });
      } else {
        v = scanNumber(buf, p, e, comma);
        q = scanEnd;
        const numEnd = q;
        while (q < e && (buf[q] === 32 || (blankTab && buf[q] === TAB))) q++;
        if (numEnd === p || !(q === e || (ws ? q > numEnd : buf[q] === d))) {
          // Not a plain number: NaN markers, inf, an empty cell, or garbage.
          let f = p;
          if (ws) while (f < e && buf[f] !== 32 && buf[f] !== TAB) f++;
          else while (f < e && buf[f] !== d) f++;
          const u = parseCellText(buf.toString('latin1', p, f), comma);
          if (u === undefined && wanted(col)) notNumber(p, f, col);
          v = u as number;
          q = f;
          if (ws) while (q < e && (buf[q] === 32 || buf[q] === TAB)) q++;
        }
      }
      if (col < ncols) {
        const k = slot[col];
        if (k >= 0) row[k] = v;
      }
      col++;
      if (q >= e) break;
      p = ws ? q : q + 1;
      if (ws && p >= e) break;
    }
    if (col !== ncols) {
      const ref = L.headerLine > 0 ? `the header (line ${L.headerLine})` : `line ${L.firstDataLine}`;
      throw new DataError(file, 'ragged', `has ${col} field${col === 1 ? '' : 's'} but ${ref} has ${ncols}`, { row: lineNo });
    }
    sink.commit(lineNo);
  };

  outer: for (;;) {
    if (!eof) {
      if (pos > 0) {
        buf.copy(buf, 0, pos, len);
        len -= pos;
        pos = 0;
      }
      if (len === buf.length) {
        if (buf.length >= MAX_LINE) throw new DataError(file, 'line-too-long', `a line is longer than ${MAX_LINE >> 20} MB`, { row: lineNo + 1 });
        const b = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(b, 0, 0, len);
        buf = b;
      }
      const { bytesRead } = await fh.read(buf, len, buf.length - len, filePos);
      filePos += bytesRead;
      len += bytesRead;
      if (bytesRead === 0) eof = true;
    }
    for (;;) {
      let nl = buf.indexOf(10, pos);
      if (nl >= len) nl = -1;
      let next: number;
      if (nl < 0) {
        if (!eof) break;
        if (pos >= len) break outer;
        nl = len;
        next = len;
      } else next = nl + 1;
      lineNo++;
      const e = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      line(pos, e);
      pos = next;
      if (sink.done) break outer;
    }
  }
  if (sink.total === 0) {
    if (L.headerLine > 0) throw new DataError(file, 'header-only', `has a header (line ${L.headerLine}) but no data rows`);
    throw new DataError(file, 'empty', 'holds no data rows');
  }
}
