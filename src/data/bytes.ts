/**
 * Random-access bytes, from a file region or from memory: lets the .npy decoder read a plain .npy file,
 * a stored .npz member (a region of the zip) and an inflated one alike.
 */
import type * as fs from 'node:fs';

export interface ByteSource {
  readonly size: number;
  /**
   * Bytes [pos, pos + len). The result may be a view into a buffer the source reuses: it is valid until
   * the next read, and the caller may modify it (byte swapping) without touching the file.
   */
  read(pos: number, len: number): Promise<Buffer>;
}

export function fileBytes(fh: fs.promises.FileHandle, base: number, size: number): ByteSource {
  let buf = Buffer.alloc(0);
  return {
    size,
    async read(pos, len) {
      if (buf.length < len) buf = Buffer.allocUnsafeSlow(Math.max(len, 1 << 16));
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, base + pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
  };
}

export function memoryBytes(data: Buffer): ByteSource {
  return {
    size: data.length,
    async read(pos, len) {
      return data.subarray(pos, Math.min(data.length, pos + len));
    },
  };
}
