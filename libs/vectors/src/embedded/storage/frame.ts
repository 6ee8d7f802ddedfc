import { crc32 } from 'node:zlib';

/**
 * The checksummed record framing every binary store file uses (log records, snapshot batches):
 * `[u32 body length][u32 crc32 of body][u32 crc32 of the 8 bytes before]` then the body. The header has its own
 * checksum so a damaged length is told apart from a record cut short by a crash (a torn write), and a reader
 * that lost its place can find the next intact record (see {@link findNextFrame}).
 */
export const FRAME_BYTES = 12;

/** What {@link readFrame} found at an offset. */
export type FrameRead =
  /** An intact record; its body is `buf[start, end)`. */
  | { readonly kind: 'ok'; readonly start: number; readonly end: number }
  /** Nothing left: the offset is the end of the file. */
  | { readonly kind: 'end' }
  /** The file ends inside the record (a torn write). */
  | { readonly kind: 'torn' }
  /** The header fails its checksum: the record's length cannot be trusted. */
  | { readonly kind: 'bad-header' }
  /** The header is intact but the body fails its checksum; the next record starts at `end`. */
  | { readonly kind: 'bad-body'; readonly end: number };

/** Frames `body` (its chunks are not copied). */
export function frame(body: readonly Buffer[]): Buffer[] {
  let len = 0;
  let crc = 0;
  for (const c of body) {
    len += c.length;
    crc = crc32(c, crc);
  }
  const header = Buffer.alloc(FRAME_BYTES);
  header.writeUInt32LE(len, 0);
  header.writeUInt32LE(crc, 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return [header, ...body];
}

function headerIntact(buf: Buffer, off: number): boolean {
  return crc32(buf.subarray(off, off + 8)) === buf.readUInt32LE(off + 8);
}

/** Reads the record framed at `buf[off..]`. */
export function readFrame(buf: Buffer, off: number): FrameRead {
  if (off >= buf.length) return { kind: 'end' };
  if (off + FRAME_BYTES > buf.length) return { kind: 'torn' };
  if (!headerIntact(buf, off)) return { kind: 'bad-header' };
  const start = off + FRAME_BYTES;
  const end = start + buf.readUInt32LE(off);
  if (end > buf.length) return { kind: 'torn' };
  if (crc32(buf.subarray(start, end)) !== buf.readUInt32LE(off + 4)) return { kind: 'bad-body', end };
  return { kind: 'ok', start, end };
}

/**
 * The first offset after `from` (4-byte aligned, as every record is) where an intact record starts, or
 * undefined. Used to skip a damaged record whose length is unknown; a false match needs two crc32 collisions.
 */
export function findNextFrame(buf: Buffer, from: number): number | undefined {
  for (let off = from + 4; off + FRAME_BYTES <= buf.length; off += 4) {
    if (headerIntact(buf, off) && readFrame(buf, off).kind === 'ok') return off;
  }
  return undefined;
}
