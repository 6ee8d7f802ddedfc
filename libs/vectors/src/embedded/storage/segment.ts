import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { writeFileAtomic } from './atomic-file';
import { decodePoints, encodePoints } from './codec';
import { FRAME_BYTES, findNextFrame, frame, readFrame } from './frame';

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
 * segment file that exists was complete; the checksums catch later damage (a flipped bit, a cut copy). With `count`
 * (the number of points `points` yields) batches are written as they are encoded, never the whole snapshot in
 * memory (2 GB at 1 M x 512); a different number fails the write before the rename.
 */
export async function writeSegment(
  file: string,
  points: Iterable<CheckedPoint>,
  names: readonly VectorName[],
  batchSize: number = BATCH,
  count?: number,
): Promise<number> {
  const list = count === undefined ? [...points] : undefined;
  const total = count ?? (list as CheckedPoint[]).length;
  const header = Buffer.alloc(8);
  header.writeUInt32LE(Math.ceil(total / batchSize), 0);
  header.writeUInt32LE(total, 4);
  let bytes = 0;
  function* chunks(): Generator<Buffer> {
    for (const c of [MAGIC, ...frame([header])]) {
      bytes += c.length;
      yield c;
    }
    let batch: CheckedPoint[] = [];
    let written = 0;
    const framed = () => {
      const out = frame(encodePoints(batch, names));
      written += batch.length;
      batch = [];
      return out;
    };
    for (const p of list ?? points) {
      batch.push(p);
      if (batch.length < batchSize) continue;
      for (const c of framed()) {
        bytes += c.length;
        yield c;
      }
    }
    if (batch.length > 0)
      for (const c of framed()) {
        bytes += c.length;
        yield c;
      }
    if (written !== total) throw new Error(`segment: ${written} points written, ${total} announced`);
  }
  await writeFileAtomic(file, chunks());
  return bytes;
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

/** What {@link streamSegment} read from an intact segment. */
export interface StreamedSegment {
  readonly bytes: number;
  readonly points: number;
}

/**
 * Reads an intact format-2 segment batch by batch, handing each batch's points to `onBatch` (after `onCount` with
 * the header's point count), so a large snapshot never sits in memory whole: 1 M x 512 floats are 2 GB. Returns
 * undefined at the first sign of damage or of format 1, having possibly handed over some batches already: the
 * caller then reads the file with {@link readSegment}, which keeps every intact batch and reports the damage
 * (handing the same points over again replaces them with themselves).
 */
export async function streamSegment(
  file: string,
  dim: number,
  names: readonly VectorName[],
  onCount: (points: number) => void,
  onBatch: (points: CheckedPoint[]) => void,
): Promise<StreamedSegment | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const readAt = async (position: number, length: number): Promise<Buffer | undefined> => {
      if (position + length > size) return undefined;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, position);
      return bytesRead === length ? buf : undefined;
    };
    /** The body of the frame at `off` when intact, and where the next frame starts. */
    const frameAt = async (off: number): Promise<{ body: Buffer; end: number } | undefined> => {
      const head = await readAt(off, FRAME_BYTES);
      if (!head || crc32(head.subarray(0, 8)) !== head.readUInt32LE(8)) return undefined;
      const body = await readAt(off + FRAME_BYTES, head.readUInt32LE(0));
      if (!body || crc32(body) !== head.readUInt32LE(4)) return undefined;
      return { body, end: off + FRAME_BYTES + body.length };
    };
    const magic = await readAt(0, MAGIC.length);
    if (!magic?.equals(MAGIC)) return undefined;
    const head = await frameAt(MAGIC.length);
    if (!head || head.body.length !== 8) return undefined;
    const batches = head.body.readUInt32LE(0);
    const count = head.body.readUInt32LE(4);
    onCount(count);
    let off = head.end;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const batch = await frameAt(off);
      if (!batch) return undefined;
      const decoded = decodePoints(batch.body, 0, dim, names);
      if (decoded.end !== batch.body.length) return undefined;
      onBatch(decoded.points);
      seen += decoded.points.length;
      off = batch.end;
    }
    return off === size && seen === count ? { bytes: size, points: count } : undefined;
  } catch {
    return undefined; // undecodable: the full reader sorts out what is left
  } finally {
    await handle.close();
  }
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
