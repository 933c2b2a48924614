/** Byte-level builders for files that numpy would not write here (odd versions, layouts, damage). */
import * as zlib from 'node:zlib';

/** A .npy file with any header text and payload (for versions and layouts numpy would not write here). */
export function npyFile(dict: string, payload: Uint8Array, version = 1): Buffer {
  const pre = version === 1 ? 10 : 12;
  const len = Math.ceil((pre + dict.length + 1) / 64) * 64 - pre;
  const head = Buffer.alloc(pre + len, 0x20);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) head.writeUInt16LE(len, 8);
  else head.writeUInt32LE(len, 8);
  head.write(dict, pre, 'utf8');
  head[pre + len - 1] = 0x0a;
  return Buffer.concat([head, payload]);
}

/** A zip archive of the given members (stored or deflated), enough to exercise the .npz reader. */
export function zipFile(members: { name: string; data: Uint8Array; deflate?: boolean; body?: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    // `body`: bytes to store instead of the compressed data (a member whose directory entry lies).
    const body = m.body ?? (m.deflate ? zlib.deflateRawSync(m.data) : Buffer.from(m.data));
    const name = Buffer.from(m.name);
    const crc = zlib.crc32(m.data) >>> 0;
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt16LE(20, 4);
    loc.writeUInt16LE(m.deflate ? 8 : 0, 8);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(body.length, 18);
    loc.writeUInt32LE(m.data.length, 22);
    loc.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(m.deflate ? 8 : 0, 10);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(body.length, 20);
    cen.writeUInt32LE(m.data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, name, body);
    central.push(cen, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
