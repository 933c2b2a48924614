/**
 * Just enough of the zip format (PKWARE APPNOTE 6.3) to read .npz archives: the end-of-central-directory
 * record (and its Zip64 form, which NumPy writes for large members), the central directory, and members
 * that are stored or deflated. Sizes and offsets come from the central directory, never from local
 * headers (NumPy's force_zip64 local headers carry 0xFFFFFFFF placeholders).
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataError } from './errors';
import { fileBytes, type ByteSource } from './bytes';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  csize: number;
  usize: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const LOC64 = 0x07064b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

async function readAt(fh: fs.promises.FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(b, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

function u64(b: Buffer, o: number): number {
  return b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 4294967296;
}

export async function readZipDirectory(file: string, fh: fs.promises.FileHandle, size: number): Promise<ZipEntry[]> {
  const corrupt = (what: string) => new DataError(file, 'zip-corrupt', `is a corrupt or truncated zip archive: ${what}`);
  if (size === 0) throw new DataError(file, 'empty', 'is empty');
  const start = await readAt(fh, 0, Math.min(4, size));
  if (start.length < 4 || start.readUInt32LE(0) !== LOC) {
    if (start.length >= 4 && start.readUInt32LE(0) === EOCD) throw new DataError(file, 'empty', 'is an empty zip archive (no arrays)');
    throw new DataError(file, 'bad-magic', "is not a zip archive (an .npz starts with 'PK\\x03\\x04')");
  }
  const tailLen = Math.min(size, 22 + 65535);
  const tail = await readAt(fh, size - tailLen, tailLen);
  let e = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      e = i;
      break;
    }
  }
  if (e < 0) throw corrupt('no end-of-central-directory record');
  let count = tail.readUInt16LE(e + 10);
  let cdSize = tail.readUInt32LE(e + 12);
  let cdOffset = tail.readUInt32LE(e + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locPos = size - tailLen + e - 20;
    const loc = locPos >= 0 ? await readAt(fh, locPos, 20) : Buffer.alloc(0);
    if (loc.length < 20 || loc.readUInt32LE(0) !== LOC64) throw corrupt('Zip64 locator missing');
    const e64 = await readAt(fh, u64(loc, 8), 56);
    if (e64.length < 56 || e64.readUInt32LE(0) !== EOCD64) throw corrupt('Zip64 end record missing');
    count = u64(e64, 32);
    cdSize = u64(e64, 40);
    cdOffset = u64(e64, 48);
  }
  if (cdOffset + cdSize > size) throw corrupt(`the central directory (${cdSize} bytes at ${cdOffset}) lies beyond the end of the file (${size} bytes)`);
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN) throw corrupt(`central directory entry ${i + 1} is damaged`);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const ent: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      flags: cd.readUInt16LE(p + 8),
      crc: cd.readUInt32LE(p + 16),
      csize: cd.readUInt32LE(p + 20),
      usize: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
    };
    // Zip64 extended information: only the fields whose 32-bit slot is saturated, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (ent.usize === 0xffffffff) (ent.usize = u64(cd, q)), (q += 8);
        if (ent.csize === 0xffffffff) (ent.csize = u64(cd, q)), (q += 8);
        if (ent.localOffset === 0xffffffff) ent.localOffset = u64(cd, q);
      }
      x += 4 + len;
    }
    entries.push(ent);
    p = xEnd + commentLen;
  }
  return entries;
}

/** A member's bytes: a region of the file when stored, inflated into memory (CRC-checked) when deflated. */
export async function zipMember(file: string, fh: fs.promises.FileHandle, size: number, ent: ZipEntry): Promise<ByteSource> {
  const where = { array: ent.name.replace(/\.npy$/, '') };
  const corrupt = (what: string) => new DataError(file, 'zip-corrupt', `is corrupt: ${what}`, where);
  if (ent.flags & 1) throw new DataError(file, 'zip-encrypted', 'is encrypted; Flowmorph reads unencrypted archives only', where);
  const loc = await readAt(fh, ent.localOffset, 30);
  if (loc.length < 30 || loc.readUInt32LE(0) !== LOC) throw corrupt(`no local header at offset ${ent.localOffset}`);
  const dataStart = ent.localOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
  if (dataStart + ent.csize > size) throw new DataError(file, 'truncated', `is truncated: the member needs bytes up to ${dataStart + ent.csize} but the file has ${size}`, where);
  if (ent.method === 0) {
    if (ent.csize !== ent.usize) throw corrupt('a stored member whose sizes disagree');
    return fileBytes(fh, dataStart, ent.usize);
  }
  if (ent.method !== 8) throw new DataError(file, 'zip-method', `uses compression method ${ent.method}; only stored and deflated members are supported (np.savez / np.savez_compressed)`, where);
  return inflatedBytes(fh, dataStart, ent, corrupt);
}

/**
 * A deflated member as a ByteSource inflated as it is read, in order, never whole: memory is the block
 * being read, and inflation stops at the size the directory declares, so a zip bomb cannot run past it
 * (nor past the reader's memory budget, which is checked against the array's shape before any read).
 * Reading backwards starts the inflation again (Fortran-order arrays are read column by column). The
 * size and CRC-32 are checked when the stream ends.
 */
function inflatedBytes(fh: fs.promises.FileHandle, dataStart: number, ent: ZipEntry, corrupt: (what: string) => DataError): ByteSource {
  let inflate: zlib.InflateRaw | undefined;
  let it: AsyncIterator<Buffer> | undefined;
  let produced = 0; // bytes inflated in this pass
  let have: Buffer = Buffer.alloc(0); // the inflated bytes [produced - have.length, produced)
  let ended = false;
  let crc = 0;
  let crcUpTo = 0; // the CRC covers the first pass's bytes [0, crcUpTo)
  const restart = () => {
    inflate?.destroy();
    const src = fh.createReadStream({ start: dataStart, end: dataStart + ent.csize - 1, autoClose: false, highWaterMark: 1 << 16 });
    const z = zlib.createInflateRaw({ chunkSize: 1 << 16 });
    src.on('error', (e) => z.destroy(e));
    src.pipe(z);
    inflate = z;
    it = z[Symbol.asyncIterator]();
    produced = 0;
    have = Buffer.alloc(0);
    ended = false;
  };
  /** Inflates the next chunk into `into`; false at the end of the stream (after the size and CRC checks). */
  const pull = async (into: Buffer[]): Promise<boolean> => {
    let r: IteratorResult<Buffer>;
    try {
      r = await it!.next();
    } catch (e) {
      throw corrupt(`cannot inflate (${(e as Error).message})`);
    }
    if (r.done) {
      ended = true;
      if (produced !== ent.usize) throw corrupt(`inflates to ${produced} bytes, the directory says ${ent.usize}`);
      if (crcUpTo === produced && (crc >>> 0) !== ent.crc >>> 0) throw corrupt('CRC-32 mismatch');
      return false;
    }
    const chunk = r.value;
    if (produced + chunk.length > ent.usize) {
      inflate!.destroy();
      throw corrupt(`inflates past the ${ent.usize} bytes its directory entry declares (a zip bomb?); stopped there`);
    }
    if (produced === crcUpTo) {
      crc = zlib.crc32(chunk, crc);
      crcUpTo += chunk.length;
    }
    produced += chunk.length;
    into.push(chunk);
    return true;
  };
  return {
    size: ent.usize,
    async read(pos, len) {
      if (!it || pos < produced - have.length) restart();
      const parts: Buffer[] = [];
      if (pos < produced) parts.push(have.subarray(pos - (produced - have.length)));
      while (produced < pos + len && !ended) {
        const got: Buffer[] = [];
        if (!(await pull(got))) break;
        if (produced <= pos) continue; // wholly before pos: skipped
        const c = got[0];
        const cStart = produced - c.length;
        parts.push(cStart < pos ? c.subarray(pos - cStart) : c);
      }
      // A read up to the declared end goes on to the stream's end, so its size and CRC are checked.
      if (pos + len >= ent.usize && !ended) await pull([]);
      // `have` = [pos, produced): what the next read, usually the following block, starts from.
      have = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      return have.subarray(0, len);
    },
  };
}
