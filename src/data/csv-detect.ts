/**
 * How a delimited text file is laid out, guessed from its first megabyte: delimiter, header, columns.
 *
 * - Delimiter: tab, ';', ',' or runs of blanks, whichever splits the first content lines into the same
 *   number (> 1) of fields. ';' wins over ',' when both do, because ';' files use ',' as the decimal mark
 *   (which is then accepted). `.tsv` files are always tab-delimited.
 * - Header: present when a field of the first content line is not a number (nor a NaN / missing marker).
 *   A first line of exactly 0,1,…,n-1 (pandas' header for integer column labels, or just a row) is kept
 *   as data, with a warning. The `header` option (CLI --header) overrides the guess.
 * - Lines starting with '#' and blank lines are skipped anywhere; a UTF-8 byte-order mark is skipped.
 * - A delimiter closing every data line (`1,2,3,`) is an export habit, not an empty last column.
 */
import { DataError } from './errors';
import { parseCellText } from './number-parse';
import { uniqueNames } from './columns';

export const WS = 32;
export const TAB = 9;

export interface CsvLayout {
  /** Delimiter byte; WS means runs of spaces/tabs. */
  delimiter: number;
  /** ',' is accepted as the decimal mark (delimiter is not ','). */
  comma: boolean;
  /** 1-based line number of the header line; 0 when there is none. */
  headerLine: number;
  /** Line number of the first data line seen in the sample (0 if none), for messages. */
  firstDataLine: number;
  names: string[];
  /** Every line ends with one extra delimiter, to be ignored. */
  trailing: boolean;
  /** Bytes to skip at the start (BOM). */
  skip: number;
  /** Mean bytes per content line in the sample, for the first allocation. */
  bytesPerLine: number;
  /** Byte offset where data starts (after the header line). */
  dataOffset: number;
  warnings: string[];
}

const MAGIC: [number[], string][] = [
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy file'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive (.npz?)'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file'],
  [[0x50, 0x41, 0x52, 0x31], 'a Parquet file'],
];

export function detectLayout(file: string, sample: Buffer, eof: boolean, forcedDelimiter?: number, forcedHeader?: boolean): CsvLayout {
  let skip = 0;
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) skip = 3;
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw new DataError(file, 'encoding', 'is UTF-16 text; save it as UTF-8 (or plain ASCII)');
  }
  for (const [magic, what] of MAGIC) {
    if (magic.every((b, i) => sample[i] === b)) throw new DataError(file, 'binary', `is ${what}, not delimited text: give it its proper extension`);
  }
  const nul = sample.indexOf(0);
  if (nul >= 0) throw new DataError(file, 'binary', `holds binary data (a NUL byte at offset ${nul}), not delimited text`);
  const nl = sample.indexOf(10);
  if (nl < 0 && sample.indexOf(13) >= 0 && sample.indexOf(13) < sample.length - 1) {
    throw new DataError(file, 'line-endings', 'uses old Mac (CR-only) line endings; convert them to LF or CRLF');
  }
  // Complete lines only, unless the sample is the whole file.
  const end = eof ? sample.length : sample.lastIndexOf(10) + 1;
  // Lines are cut and measured in bytes: a header in Latin-1 (or any non-UTF-8 bytes) decodes to a
  // different number of characters than it has bytes, and the data offset must count bytes.
  const content: { no: number; text: string; offset: number; bytes: number }[] = [];
  for (let offset = skip, no = 1; offset <= end && content.length < 50; no++) {
    let nl = sample.indexOf(10, offset);
    if (nl < 0 || nl >= end) nl = end;
    const raw = decodeLine(sample.subarray(offset, nl));
    const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lead = t.trimStart();
    if (lead !== '' && !lead.startsWith('#')) content.push({ no, text: t, offset, bytes: nl - offset });
    offset = nl + 1;
  }
  if (content.length === 0) {
    if (sample.length <= skip) throw new DataError(file, 'empty', 'is empty');
    throw new DataError(file, 'empty', eof ? 'holds no data: only blank or comment lines' : 'holds no data in its first megabyte: only blank or comment lines');
  }
  const delimiter = forcedDelimiter ?? guessDelimiter(content.map((c) => c.text));
  const comma = delimiter !== 44;
  const warnings: string[] = [];
  const firstFields = splitFields(file, content[0].text, delimiter, content[0].no);
  // A delimiter closing every sampled data line is an export habit, when the first line either ends the
  // same way or has one field fewer (else the last column is really empty, and that is reported).
  const ends = (t: string) => delimiter !== WS && t.trimEnd().endsWith(String.fromCharCode(delimiter));
  const rest = content.slice(1);
  const firstEnds = ends(content[0].text) && firstFields[firstFields.length - 1].trim() === '';
  const trailing = rest.length > 0 && rest.every((c) => ends(c.text)) && (firstEnds || splitFields(file, rest[0].text, delimiter, rest[0].no).length === firstFields.length + 1);
  if (trailing && firstEnds) firstFields.pop();
  const header = forcedHeader ?? firstFields.some((f) => parseCellText(f, comma) === undefined);
  // `0,1,…` may be pandas' labels for integer columns, or simply the first row: keep it as data (a row
  // silently lost is worse than a header read as a row, which the user sees) and say how to choose.
  if (forcedHeader === undefined && isIndexRow(firstFields))
    warnings.push(`the first line (${firstFields.map((f) => f.trim()).join(',')}) is read as data; if it is a header of column labels, give --header`);
  let names: string[];
  if (header) {
    const u = uniqueNames(firstFields.map((f) => f.trim()));
    names = u.names;
    if (u.renamed.length) warnings.push(`renamed duplicate header names: ${u.renamed.join(', ')}`);
  } else {
    names = firstFields.map((_, i) => `x${i}`);
  }
  const data = header ? content.slice(1) : content;
  const bytes = data.reduce((s, c) => s + c.bytes + 1, 0);
  const headerLine = header ? content[0].no : 0;
  const dataOffset = header ? content[0].offset + content[0].bytes + 1 : skip;
  return {
    delimiter,
    comma,
    headerLine,
    firstDataLine: data.length ? data[0].no : 0,
    names,
    trailing,
    skip,
    bytesPerLine: data.length ? bytes / data.length : 0,
    dataOffset,
    warnings,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A line as UTF-8, or as Latin-1 when its bytes are not valid UTF-8 (the usual non-UTF-8 CSV). */
function decodeLine(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  }
}

/** `0,1,2,…` (n ≥ 2): the header pandas writes for a frame with integer column labels. */
function isIndexRow(fields: string[]): boolean {
  if (fields.length < 2) return false;
  const t = fields.map((f) => f.trim());
  return t.every((f, i) => f === String(i));
}

/** The delimiter that splits the sampled lines into the same number (> 1) of fields. */
function guessDelimiter(lines: string[]): number {
  const sample = lines.slice(0, 20);
  const consistent = (d: number): boolean => {
    const counts = sample.map((l) => countOutsideQuotes(l.trimEnd(), d));
    return counts[0] > 0 && counts.every((c) => c === counts[0]);
  };
  if (consistent(TAB)) return TAB;
  if (consistent(59)) return 59;
  if (consistent(44)) return 44;
  // Inconsistent counts: take the delimiter present on most lines (the ragged rows are reported later).
  let best = WS;
  let bestLines = 0;
  for (const d of [TAB, 59, 44]) {
    const n = sample.filter((l) => countOutsideQuotes(l, d) > 0).length;
    if (n > bestLines) {
      best = d;
      bestLines = n;
    }
  }
  return bestLines > sample.length / 2 ? best : WS;
}

function countOutsideQuotes(line: string, d: number): number {
  let n = 0;
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) q = !q;
    else if (c === d && !q) n++;
  }
  return n;
}

/** Splits one line into field texts (quotes removed, "" unescaped). */
export function splitFields(file: string, line: string, d: number, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const blank = (c: number) => c === 32 || (c === TAB && d !== TAB);
  if (d === WS) {
    while (i < n && blank(line.charCodeAt(i))) i++;
    if (i === n) return [];
  }
  for (;;) {
    while (i < n && blank(line.charCodeAt(i))) i++;
    let f = '';
    if (line.charCodeAt(i) === 34) {
      i++;
      for (;;) {
        const j = line.indexOf('"', i);
        if (j < 0) throw new DataError(file, 'csv-quote', 'a quoted field is not closed on this line', { row: lineNo });
        f += line.slice(i, j);
        if (line.charCodeAt(j + 1) === 34) {
          f += '"';
          i = j + 2;
        } else {
          i = j + 1;
          break;
        }
      }
      while (i < n && blank(line.charCodeAt(i))) i++;
      if (i < n && line.charCodeAt(i) !== d && d !== WS) throw new DataError(file, 'csv-quote', 'text after a closing quote', { row: lineNo });
    } else {
      let j = i;
      while (j < n && (d === WS ? !(line.charCodeAt(j) === 32 || line.charCodeAt(j) === TAB) : line.charCodeAt(j) !== d)) j++;
      f = line.slice(i, j);
      i = j;
    }
    out.push(f);
    if (d === WS) {
      while (i < n && blank(line.charCodeAt(i))) i++;
      if (i >= n) break;
    } else {
      if (i >= n) break;
      i++; // the delimiter
    }
  }
  return out;
}
