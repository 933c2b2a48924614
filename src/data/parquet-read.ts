/**
 * Apache Parquet through hyparquet, one row group at a time, reading only the chosen columns' chunks from
 * the file. Numeric columns are INT32 / INT64 / FLOAT / DOUBLE / BOOLEAN (and DECIMAL / FLOAT16, which
 * hyparquet decodes to numbers); nulls are missing values (NaN, so the NaN policy applies). Strings,
 * dates, times and nested columns are skipped by default (with a warning) and refused when chosen.
 * Codecs: uncompressed and snappy (hyparquet), gzip and brotli (node's zlib), zstd (polars' default), lz4
 * and lz4_raw (hyparquet-compressors); LZO is refused with a message that names it.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataError } from './errors';
import type { RowSink } from './sink';
import type { OpenOptions, Source } from './source';

type HP = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });
type Meta = Awaited<ReturnType<HP['parquetMetadataAsync']>>;

type HC = typeof import('hyparquet-compressors', { with: { 'resolution-mode': 'import' } });
type Compressors = NonNullable<Parameters<HP['parquetRead']>[0]['compressors']>;

let loading: Promise<HP> | undefined;
function loadHyparquet(): Promise<HP> {
  loading ??= import('hyparquet') as Promise<HP>;
  return loading;
}

let codecs: Promise<Compressors> | undefined;
/** The decompressors hyparquet lacks: zlib's for gzip and brotli (native, faster), hyparquet-compressors' for zstd and lz4. */
function loadCompressors(): Promise<Compressors> {
  codecs ??= (import('hyparquet-compressors') as Promise<HC>).then((hc) => ({
    GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
    BROTLI: (input: Uint8Array) => new Uint8Array(zlib.brotliDecompressSync(input)),
    ZSTD: (input: Uint8Array) => hc.decompressZstd(input),
    LZ4: (input: Uint8Array, n: number) => hc.decompressLz4(input, n),
    LZ4_RAW: (input: Uint8Array, n: number) => hc.decompressLz4Raw(input, n),
  }));
  return codecs;
}

const NUMERIC = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE', 'BOOLEAN']);
const TEMPORAL = /^(DATE|TIME|TIMESTAMP|INTERVAL)/;

function whyNotNumeric(el: { type?: string; converted_type?: string; logical_type?: { type: string } }, nested: boolean): string | undefined {
  if (nested) return 'a nested group';
  const logical = el.logical_type?.type;
  if (logical === 'FLOAT16' || logical === 'DECIMAL' || el.converted_type === 'DECIMAL') return undefined;
  if ((el.converted_type && TEMPORAL.test(el.converted_type)) || (logical && TEMPORAL.test(logical))) return 'dates or times';
  if (el.type === 'INT96') return 'INT96 timestamps';
  if (el.type && NUMERIC.has(el.type)) return undefined;
  if (el.type === 'BYTE_ARRAY') return el.converted_type === 'UTF8' || logical === 'STRING' ? 'strings' : 'byte strings';
  return el.type ?? 'unknown type';
}

export async function openParquet(real: string, o: OpenOptions): Promise<Source> {
  const file = o.file;
  if (o.size === 0) throw new DataError(file, 'empty', 'is empty');
  const fh = await fs.promises.open(real, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    await fh.read(tail, 0, 4, Math.max(0, o.size - 4));
    if (head.toString('latin1') === 'PARE' || tail.toString('latin1') === 'PARE') throw new DataError(file, 'parquet-encrypted', 'is an encrypted Parquet file');
    if (head.toString('latin1') !== 'PAR1') throw new DataError(file, 'bad-magic', "is not a Parquet file (it does not start with 'PAR1')");
    if (o.size < 12 || tail.toString('latin1') !== 'PAR1') throw new DataError(file, 'truncated', "is truncated: a Parquet file ends with 'PAR1' after its footer");
    const buffer = {
      byteLength: o.size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const e = Math.min(end ?? o.size, o.size);
        const ab = new ArrayBuffer(Math.max(0, e - start));
        const v = new Uint8Array(ab);
        let got = 0;
        while (got < v.length) {
          const { bytesRead } = await fh.read(v, got, v.length - got, start + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return ab;
      },
    };
    const hp = await loadHyparquet();
    let meta: Meta;
    try {
      meta = await hp.parquetMetadataAsync(buffer);
    } catch (e) {
      throw new DataError(file, 'parquet-corrupt', `has a corrupt footer: ${(e as Error).message}`);
    }
    const top = hp.parquetSchema(meta).children;
    const names = top.map((c) => c.element.name);
    const nonNumeric = new Map<number, string>();
    top.forEach((c, i) => {
      const why = whyNotNumeric(c.element, c.children.length > 0);
      if (why) nonNumeric.set(i, why);
    });
    const rows = Number(meta.num_rows);
    return {
      columns: names,
      rows,
      ...(nonNumeric.size ? { nonNumeric } : {}),
      warnings: [],
      read: (sel, sink) => readGroups(hp, file, buffer, meta, names, sel, sink),
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function readGroups(hp: HP, file: string, buffer: { byteLength: number; slice(s: number, e?: number): Promise<ArrayBuffer> }, meta: Meta, names: string[], sel: number[], sink: RowSink): Promise<void> {
  const compressors = await loadCompressors();
  const w = sel.length;
  const wanted = sel.map((c) => names[c]);
  const slot = new Map(wanted.map((n, k) => [n, k]));
  let start = 0;
  for (const g of meta.row_groups) {
    if (sink.done) return;
    const n = Number(g.num_rows);
    if (n === 0) continue;
    const block = new Float64Array(n * w);
    const end = start + n;
    let failure: DataError | undefined;
    try {
      await hp.parquetRead({
        file: buffer,
        metadata: meta,
        columns: wanted,
        rowStart: start,
        rowEnd: end,
        compressors,
        onChunk(chunk) {
          const k = slot.get(chunk.columnName);
          if (k === undefined || failure) return;
          const data = chunk.columnData;
          const from = Math.max(chunk.rowStart, start);
          const to = Math.min(chunk.rowEnd, end);
          for (let r = from; r < to; r++) {
            const v: unknown = data[r - chunk.rowStart];
            let x: number;
            if (typeof v === 'number') x = v;
            else if (v === null || v === undefined) x = NaN;
            else if (typeof v === 'bigint') x = Number(v);
            else if (typeof v === 'boolean') x = v ? 1 : 0;
            else {
              failure = new DataError(file, 'not-numeric', `holds ${typeof v === 'string' ? `the string '${v.slice(0, 40)}'` : `a ${typeof v}`}, not a number`, { row: r + 1, column: chunk.columnName });
              return;
            }
            block[(r - start) * w + k] = x;
          }
        },
      });
    } catch (e) {
      const msg = (e as Error).message;
      const codec = /unsupported compression codec: (\w+)/.exec(msg)?.[1];
      if (codec) throw new DataError(file, 'parquet-codec', `uses the ${codec} codec, which Flowmorph cannot decompress (supported: uncompressed, snappy, gzip, brotli, zstd, lz4); re-save it with one of those`);
      throw new DataError(file, 'parquet-corrupt', `cannot be read in rows ${start + 1}–${end}: ${msg}`);
    }
    if (failure) throw failure;
    sink.pushBlock(block, n, start + 1);
    start = end;
  }
}
