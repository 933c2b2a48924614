/**
 * JSON tables, parsed from the file's bytes by a small hand-written parser: no object tree is built (rows
 * go straight into the sink), syntax errors say where (line, column, byte), and the NaN / Infinity
 * literals that Python's json module writes are accepted.
 *
 * Shapes:
 * - `[[1, 2], [3, 4]]`                        array of rows (columns x0, x1, …); `[1, 2, 3]` is one column;
 * - `[{"a": 1, "b": 2}, …]`                   array of records; the first record's keys are the columns;
 * - `{"columns": [...], "data": [[...]]}`     pandas orient='split' (an "index" member is ignored);
 * - `{"a": [1, 3], "b": [2, 4]}`              columns as arrays of equal length (pandas to_dict('list')).
 * Values: numbers, null (missing ⇒ NaN), NaN, ±Infinity, true/false (1/0), numeric strings.
 * Rows in messages are 1-based positions in the data array.
 */
import * as fs from 'node:fs';
import { DataError, listNames } from './errors';
import { C, Cursor } from './json-cursor';
import { uniqueNames } from './columns';
import type { RowSink } from './sink';
import type { OpenOptions, Source } from './source';

type Layout =
  | { kind: 'rows'; at: number; objects: boolean; scalar: boolean; names: string[] }
  | { kind: 'columns'; names: string[]; at: number[] };

export async function openJson(real: string, o: OpenOptions): Promise<Source> {
  const file = o.file;
  // JSON is parsed from memory (no streaming): past 1 GiB, a binary format is the better tool.
  if (o.size > 1024 ** 3) throw new DataError(file, 'too-large', `is ${(o.size / 1024 ** 3).toFixed(1)} GiB of JSON; Flowmorph reads JSON up to 1 GiB: save large samples as .npy, .h5 or .parquet`);
  const b = await fs.promises.readFile(real);
  const skip = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const cur = new Cursor(b, file);
  cur.p = skip;
  const first = cur.ws();
  if (first === -1) throw new DataError(file, 'empty', b.length === 0 ? 'is empty' : 'holds only whitespace');
  let L: Layout;
  if (first === C.LBRACK) {
    L = rowsLayout(cur, cur.p);
    cur.p = L.at;
    cur.skip();
    cur.end();
  } else if (first === C.LBRACE) {
    cur.p++;
    const members = new Map<string, number>();
    if (cur.ws() !== C.RBRACE) {
      do {
        const k = cur.string();
        cur.expect(C.COLON, "':' after a key");
        cur.ws();
        members.set(k, cur.p);
        cur.skip();
      } while (cur.more(C.RBRACE, 'an object member'));
    } else cur.p++;
    cur.end();
    if (members.has('data') && members.has('columns')) {
      cur.p = members.get('columns')!;
      if (cur.ws() !== C.LBRACK) throw new DataError(file, 'json-shape', `"columns" is not an array (${cur.where()})`);
      cur.p++;
      const raw: string[] = [];
      if (cur.ws() === C.RBRACK) cur.p++;
      else
        do {
          cur.ws();
          raw.push(cur.b[cur.p] === C.QUOTE ? cur.string() : String(cur.number(0, 0)));
        } while (cur.more(C.RBRACK, 'a column name'));
      const rows = rowsLayout(cur, members.get('data')!);
      if (rows.objects) throw new DataError(file, 'json-shape', '"data" holds records; with "columns" it should hold arrays of values');
      if (rows.names.length !== raw.length && rows.names.length > 0) {
        throw new DataError(file, 'ragged', `"columns" names ${raw.length} columns but the first row has ${rows.names.length} values`, { row: 1 });
      }
      L = { ...rows, names: uniqueNames(raw).names };
    } else {
      const names = [...members.keys()];
      const at: number[] = [];
      for (const k of names) {
        cur.p = members.get(k)!;
        if (cur.ws() !== C.LBRACK) {
          throw new DataError(file, 'json-shape', `is a JSON object but not a table: expected {"columns": [...], "data": [[...]]} or {"<column>": [values], …}; member '${k}' is not an array (${cur.where()})`);
        }
        at.push(cur.p + 1);
      }
      if (names.length === 0) throw new DataError(file, 'empty', 'is an empty JSON object');
      L = { kind: 'columns', names, at };
    }
  } else {
    throw new DataError(file, 'json-shape', `holds a single JSON ${first === C.QUOTE ? 'string' : 'value'}, not a table (expected an array of rows or records, or an object of columns)`);
  }
  const sizeHint = Math.ceil(b.length / Math.max(1, L.names.length * 6));
  return {
    columns: L.names,
    sizeHint,
    warnings: [],
    read: async (sel, sink) => (L.kind === 'rows' ? readRows(cur, L, sel, sink) : readColumns(cur, L, sel, sink)),
    close: async () => {},
  };
}

/** Looks at the first element of the array at `at` to fix the column names. */
function rowsLayout(cur: Cursor, at: number): Extract<Layout, { kind: 'rows' }> {
  cur.p = at;
  if (cur.ws() !== C.LBRACK) throw new DataError(cur.file, 'json-shape', `"data" is not an array (${cur.where()})`);
  cur.p++;
  const c = cur.ws();
  if (c === C.RBRACK) return { kind: 'rows', at, objects: false, scalar: false, names: [] };
  if (c === C.LBRACE) {
    cur.p++;
    const keys: string[] = [];
    if (cur.ws() !== C.RBRACE)
      do {
        keys.push(cur.string());
        cur.expect(C.COLON, "':' after a key");
        cur.skip();
      } while (cur.more(C.RBRACE, 'an object member'));
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup !== undefined) throw new DataError(cur.file, 'json-shape', `has the key '${dup}' twice`, { row: 1 });
    return { kind: 'rows', at, objects: true, scalar: false, names: keys };
  }
  if (c === C.LBRACK) {
    cur.p++;
    let n = 0;
    if (cur.ws() !== C.RBRACK)
      do {
        cur.skip();
        n++;
      } while (cur.more(C.RBRACK, 'a value'));
    else cur.p++;
    return { kind: 'rows', at, objects: false, scalar: false, names: Array.from({ length: n }, (_, i) => `x${i}`) };
  }
  return { kind: 'rows', at, objects: false, scalar: true, names: ['x0'] };
}

async function readRows(cur: Cursor, L: Extract<Layout, { kind: 'rows' }>, sel: number[], sink: RowSink): Promise<void> {
  const file = cur.file;
  const ncols = L.names.length;
  const slot = new Int32Array(ncols).fill(-1);
  sel.forEach((c, k) => (slot[c] = k));
  const index = new Map(L.names.map((n, i) => [n, i]));
  const seen = new Uint8Array(ncols);
  const row = sink.row;
  cur.p = L.at;
  cur.expect(C.LBRACK, "'['");
  if (cur.ws() === C.RBRACK) throw new DataError(file, 'empty', 'holds an empty array: no rows');
  let r = 0;
  do {
    r++;
    const c = cur.ws();
    if (L.scalar) {
      row[0] = cur.number(r, L.names[0]);
    } else if (L.objects) {
      if (c !== C.LBRACE) throw new DataError(file, 'json-shape', `is not an object like row 1 (${cur.where()})`, { row: r });
      cur.p++;
      seen.fill(0);
      let n = 0;
      if (cur.ws() !== C.RBRACE)
        do {
          const at = cur.p;
          const k = cur.string();
          cur.expect(C.COLON, "':' after a key");
          const i = index.get(k);
          if (i === undefined) throw new DataError(file, 'ragged', `has the key '${k}', which row 1 lacks (${cur.where(at)}); row 1 has: ${listNames(L.names)}`, { row: r });
          if (seen[i]) throw new DataError(file, 'json-shape', `has the key '${k}' twice`, { row: r });
          seen[i] = 1;
          n++;
          const v = cur.number(r, k);
          if (slot[i] >= 0) row[slot[i]] = v;
        } while (cur.more(C.RBRACE, 'an object member'));
      else cur.p++;
      if (n !== ncols) {
        const missing = L.names.find((_, i) => !seen[i])!;
        throw new DataError(file, 'ragged', `lacks the key (record has ${n} of the ${ncols} keys of row 1)`, { row: r, column: missing });
      }
    } else {
      if (c !== C.LBRACK) throw new DataError(file, 'json-shape', `is not an array like row 1 (${cur.where()})`, { row: r });
      cur.p++;
      let n = 0;
      if (cur.ws() !== C.RBRACK)
        do {
          const v = cur.number(r, n < ncols ? L.names[n] : n);
          if (n < ncols && slot[n] >= 0) row[slot[n]] = v;
          n++;
        } while (cur.more(C.RBRACK, 'a value'));
      else cur.p++;
      if (n !== ncols) throw new DataError(file, 'ragged', `has ${n} value${n === 1 ? '' : 's'} but row 1 has ${ncols}`, { row: r });
    }
    sink.commit(r);
    if (sink.done) return;
  } while (cur.more(C.RBRACK, 'a row'));
}

async function readColumns(cur: Cursor, L: Extract<Layout, { kind: 'columns' }>, sel: number[], sink: RowSink): Promise<void> {
  const w = sel.length;
  const pos = sel.map((c) => L.at[c]);
  const open = new Array<boolean>(w).fill(true);
  // Each chosen column keeps its own cursor position; rows advance all of them together.
  for (let k = 0; k < w; k++) {
    cur.p = pos[k];
    if (cur.ws() === C.RBRACK) open[k] = false;
    pos[k] = cur.p;
  }
  let r = 0;
  for (;;) {
    const alive = open.filter(Boolean).length;
    if (alive === 0) break;
    if (alive !== w) {
      const done = sel[open.indexOf(false)];
      const more = sel[open.indexOf(true)];
      throw new DataError(cur.file, 'ragged', `column '${L.names[done]}' has ${r} values but column '${L.names[more]}' has more`, { row: r + 1, column: L.names[done] });
    }
    r++;
    for (let k = 0; k < w; k++) {
      cur.p = pos[k];
      sink.row[k] = cur.number(r, L.names[sel[k]]);
      open[k] = cur.more(C.RBRACK, 'a value');
      pos[k] = cur.p;
    }
    sink.commit(r);
    if (sink.done) return;
  }
  if (r === 0) throw new DataError(cur.file, 'empty', 'holds empty columns: no rows');
}
