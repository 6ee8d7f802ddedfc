import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { writeFileAtomic } from './atomic-file';
import { decodePoints, encodePoints } from './codec';
import { findNextFrame, frame, readFrame } from './frame';

const MAGIC = Buffer.from('VITRSEG2', 'ascii');
/** Format 1: `VITRSEG1`, u32 batches, the batches, a crc32 of the whole file; read, never written. */
const LEGACY_MAGIC = Buffer.from('VITRSEG1', 'ascii');
/**
 * Points per framed batch. Each batch has its own checksum, so a damaged byte costs this many points at most
 * (re-indexed from the catalog), not the snapshot.
 */
const BATCH = 512;

/** What reading a segment found. */
export interface SegmentContents {
  readonly points: CheckedPoint[];
  readonly bytes: number;
  /** 1: written before batches had their own checksum (the caller migrates it). */
  readonly format: 1 | 2;
  readonly batchesKept: number;
  /** Batches that failed their checksum or could not be found (including any past a cut). */
  readonly batchesLost: number;
  /** Bytes of the file that were not part of an intact batch. */
  readonly bytesDiscarded: number;
  /** `torn`: the file is shorter than its header says; `corrupt`: a checksum failed. */
  readonly damage?: 'torn' | 'corrupt';
  readonly buffer: Buffer;
}

/**
 * A full snapshot of a collection (format 2): `VITRSEG2`, a framed header (u32 batches, u32 points), then one
 * framed batch (see `encodePoints`) per {@link BATCH} points. Written atomically (temp file, fsync, rename), so a
 * segment file that exists was complete; the checksums catch later damage (a flipped bit, a cut copy).
 */
export async function writeSegment(
  file: string,
  points: Iterable<CheckedPoint>,
  names: readonly VectorName[],
  batchSize: number = BATCH,
): Promise<number> {
  const chunks: Buffer[] = [];
  let batch: CheckedPoint[] = [];
  let batches = 0;
  let count = 0;
  const flush = () => {
    if (batch.length === 0) return;
    chunks.push(...frame(encodePoints(batch, names)));
    batches++;
    count += batch.length;
    batch = [];
  };
  for (const p of points) {
    batch.push(p);
    if (batch.length === batchSize) flush();
  }
  flush();
  const header = Buffer.alloc(8);
  header.writeUInt32LE(batches, 0);
  header.writeUInt32LE(count, 4);
  const all = [MAGIC, ...frame([header]), ...chunks];
  await writeFileAtomic(file, all);
  return all.reduce((n, c) => n + c.length, 0);
}

/**
 * Reads a segment written by {@link writeSegment}, keeping every intact batch: a damaged batch is skipped (the
 * points of a snapshot are independent of each other), and reading resumes at the next intact one.
 */
export async function readSegment(
  file: string,
  dim: number,
  names: readonly VectorName[],
): Promise<SegmentContents> {
  const buf = await fs.readFile(file);
  if (buf.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC)) return readLegacySegment(buf, dim, names);
  const points: CheckedPoint[] = [];
  let kept = 0;
  let lost = 0;
  let discarded = 0;
  let damage: SegmentContents['damage'];
  const corrupt = () => (damage = 'corrupt');
  // A damaged magic costs nothing: the header frame that follows says what the file is.
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) corrupt();
  let expected: number | undefined;
  let off = MAGIC.length;
  const head = readFrame(buf, off);
  if (head.kind === 'ok' && head.end - head.start === 8) {
    expected = buf.readUInt32LE(head.start);
    off = head.end;
  } else {
    corrupt();
    const next = head.kind === 'bad-body' ? head.end : findNextFrame(buf, off);
    discarded += (next ?? buf.length) - off;
    off = next ?? buf.length;
  }
  while (off < buf.length) {
    const read = readFrame(buf, off);
    if (read.kind === 'ok') {
      try {
        const decoded = decodePoints(buf, read.start, dim, names);
        if (decoded.end !== read.end) throw new Error('batch length mismatch');
        for (const p of decoded.points) points.push(p);
        kept++;
        off = read.end;
        continue;
      } catch {
        // Intact checksum but undecodable: treated like any other damaged batch.
      }
    }
    if (read.kind === 'end') break;
    if (read.kind === 'torn') {
      damage ??= 'torn';
      discarded += buf.length - off;
      lost++;
      break;
    }
    corrupt();
    lost++;
    const next = read.kind === 'bad-body' || read.kind === 'ok' ? read.end : findNextFrame(buf, off);
    discarded += (next ?? buf.length) - off;
    if (next === undefined) break;
    off = next;
  }
  if (expected !== undefined && kept + lost < expected) {
    // Cut at a batch boundary, or batches skipped together with a damaged length.
    damage ??= 'torn';
    lost = expected - kept;
  }
  return {
    points,
    bytes: buf.length,
    format: 2,
    batchesKept: kept,
    batchesLost: lost,
    bytesDiscarded: discarded,
    buffer: buf,
    ...(damage ? { damage } : {}),
  };
}

/** Format 1 has one checksum for the whole file: any damage loses the snapshot (the reconcile re-indexes it). */
function readLegacySegment(buf: Buffer, dim: number, names: readonly VectorName[]): SegmentContents {
  const base = { bytes: buf.length, format: 1 as const, buffer: buf };
  const body = buf.length - 4;
  const lostAll = {
    ...base,
    points: [],
    batchesKept: 0,
    batchesLost: 1,
    bytesDiscarded: buf.length,
    damage: 'corrupt' as const,
  };
  if (body < LEGACY_MAGIC.length + 4 || crc32(buf.subarray(0, body)) !== buf.readUInt32LE(body))
    return lostAll;
  const batches = buf.readUInt32LE(LEGACY_MAGIC.length);
  let off = LEGACY_MAGIC.length + 4;
  const points: CheckedPoint[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      const decoded = decodePoints(buf, off, dim, names);
      for (const p of decoded.points) points.push(p);
      off = decoded.end;
    }
  } catch {
    return lostAll;
  }
  return { ...base, points, batchesKept: batches, batchesLost: 0, bytesDiscarded: 0 };
}
