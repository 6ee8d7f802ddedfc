import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { writeFileAtomic } from './atomic-file';
import { decodePoints, encodePoints } from './codec';

const MAGIC = Buffer.from('VITRSEG1', 'ascii');
/** Points per encoded chunk while writing, to bound the memory a snapshot takes. */
const CHUNK = 4096;

/**
 * A full snapshot of a collection: `VITRSEG1`, u32 number of batches, the batches (see `encodePoints`),
 * then a u32 crc32 of everything before it. Written atomically (temp file, fsync, rename), so a segment file
 * that exists is complete; the checksum catches later corruption of the disk, not torn writes.
 */
export async function writeSegment(
  file: string,
  points: Iterable<CheckedPoint>,
  names: readonly VectorName[],
): Promise<number> {
  const chunks: Buffer[] = [];
  let batch: CheckedPoint[] = [];
  let batches = 0;
  const flush = () => {
    if (batch.length === 0) return;
    chunks.push(...encodePoints(batch, names));
    batches++;
    batch = [];
  };
  for (const p of points) {
    batch.push(p);
    if (batch.length === CHUNK) flush();
  }
  flush();
  const count = Buffer.alloc(4);
  count.writeUInt32LE(batches);
  const all = [MAGIC, count, ...chunks];
  let crc = 0;
  let size = 4;
  for (const c of all) {
    crc = crc32(c, crc);
    size += c.length;
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(crc);
  await writeFileAtomic(file, [...all, trailer]);
  return size;
}

/** Reads a segment written by {@link writeSegment}; throws when it is corrupt. */
export async function readSegment(
  file: string,
  dim: number,
  names: readonly VectorName[],
): Promise<{ points: CheckedPoint[]; bytes: number }> {
  const buf = await fs.readFile(file);
  if (buf.length < MAGIC.length + 8 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error(`${file} is not a vector segment`);
  }
  const body = buf.length - 4;
  if (crc32(buf.subarray(0, body)) !== buf.readUInt32LE(body)) {
    throw new Error(`${file} is corrupt (checksum mismatch)`);
  }
  const batches = buf.readUInt32LE(MAGIC.length);
  let off = MAGIC.length + 4;
  const points: CheckedPoint[] = [];
  for (let b = 0; b < batches; b++) {
    const decoded = decodePoints(buf, off, dim, names);
    for (const p of decoded.points) points.push(p);
    off = decoded.end;
  }
  return { points, bytes: buf.length };
}
