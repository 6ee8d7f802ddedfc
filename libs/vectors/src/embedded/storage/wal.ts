import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { decodePoints, encodePoints } from './codec';
import { frame, readFrame, type FrameRead } from './frame';

/** A change as the log records it. */
export type WalRecord =
  | { readonly op: 'upsert'; readonly points: readonly CheckedPoint[] }
  | { readonly op: 'delete'; readonly ids: readonly string[] };

const UPSERT = 1;
const DELETE = 2;
/** Starts every log written since records carry a header checksum (format 2). */
export const WAL_MAGIC = Buffer.from('VITRWAL2', 'ascii');
/** Format 1 (no magic): `[u32 body length][u32 crc32 of body]` then the body; read, never written. */
const LEGACY_FRAME = 8;

/** JSON padded with spaces to a multiple of 4 bytes, so the vectors of later records stay 4-byte aligned. */
function paddedJson(value: unknown): Buffer {
  const raw = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.alloc(Math.ceil(raw.length / 4) * 4, 0x20);
  raw.copy(out);
  return out;
}

/** Encodes a record as frame + body chunks (see {@link frame}). */
export function encodeRecord(record: WalRecord, names: readonly VectorName[]): Buffer[] {
  return frame(
    record.op === 'upsert'
      ? [Buffer.from([UPSERT, 0, 0, 0]), ...encodePoints(record.points, names)]
      : [Buffer.from([DELETE, 0, 0, 0]), paddedJson(record.ids)],
  );
}

/** What reading a log found. */
export interface WalContents {
  readonly records: WalRecord[];
  /** Where the intact prefix ends: the file is cut there before appending. */
  readonly validBytes: number;
  readonly size: number;
  /** 1: written before records had a header checksum (the caller migrates it); 2: current. */
  readonly format: 1 | 2;
  /** Why reading stopped before the end of the file. */
  readonly damage?: 'torn' | 'corrupt';
  /** The whole file, for keeping a copy of a damaged tail. */
  readonly buffer: Buffer;
}

function decodeBody(buf: Buffer, start: number, end: number, dim: number, names: readonly VectorName[]) {
  const op = buf[start];
  if (op === UPSERT) {
    const { points, end: used } = decodePoints(buf, start + 4, dim, names);
    return used === end ? ({ op: 'upsert', points } as const) : undefined;
  }
  if (op === DELETE)
    return { op: 'delete', ids: JSON.parse(buf.toString('utf8', start + 4, end)) as string[] } as const;
  return undefined;
}

/**
 * Reads every intact record of a log, in order, and stops at the first torn or corrupt one: a record after a
 * lost one may depend on it, so replaying past it could resurrect deleted points. The caller keeps a copy of
 * the tail and cuts the file at `validBytes`.
 */
export async function readWal(file: string, dim: number, names: readonly VectorName[]): Promise<WalContents> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { records: [], validBytes: 0, size: 0, format: 2, buffer: Buffer.alloc(0) };
    throw e;
  }
  const format = logFormat(buf);
  const records: WalRecord[] = [];
  let off = format === 2 ? WAL_MAGIC.length : 0;
  let damage: WalContents['damage'];
  if (format === 2 && buf.length > 0 && buf.length < WAL_MAGIC.length) {
    off = 0;
    damage = 'torn';
  }
  while (!damage && off < buf.length) {
    const read = format === 2 ? readFrame(buf, off) : readLegacyFrame(buf, off);
    if (read.kind === 'end') break;
    if (read.kind !== 'ok') {
      damage = read.kind === 'torn' ? 'torn' : 'corrupt';
      break;
    }
    let record: WalRecord | undefined;
    try {
      record = decodeBody(buf, read.start, read.end, dim, names);
    } catch {
      record = undefined;
    }
    if (!record) {
      damage = 'corrupt';
      break;
    }
    records.push(record);
    off = read.end;
  }
  // Nothing intact behind a damaged magic: the whole file is the damaged part (and gets a fresh magic).
  if (damage && off === WAL_MAGIC.length && !buf.subarray(0, off).equals(WAL_MAGIC)) off = 0;
  return { records, validBytes: off, size: buf.length, format, buffer: buf, ...(damage ? { damage } : {}) };
}

/**
 * The format of a log: 2 when it starts with the magic (or is a prefix of it, or its magic is damaged but a
 * checksummed record follows), 1 when its first record is an intact format-1 record.
 */
function logFormat(buf: Buffer): 1 | 2 {
  const head = buf.subarray(0, WAL_MAGIC.length);
  if (head.equals(WAL_MAGIC.subarray(0, head.length))) return 2;
  if (readLegacyFrame(buf, 0).kind === 'ok') return 1;
  return 2;
}

function readLegacyFrame(buf: Buffer, off: number): FrameRead {
  if (off >= buf.length) return { kind: 'end' };
  if (off + LEGACY_FRAME > buf.length) return { kind: 'torn' };
  const len = buf.readUInt32LE(off);
  const start = off + LEGACY_FRAME;
  const end = start + len;
  if (len < 4) return { kind: 'bad-header' };
  if (end > buf.length) return { kind: 'torn' };
  if (crc32(buf.subarray(start, end)) !== buf.readUInt32LE(off + 4)) return { kind: 'bad-body', end };
  return { kind: 'ok', start, end };
}

/** An open log: appends records, fsyncing them when the caller waits for durability. */
export class WalWriter {
  private broken = false;

  private constructor(
    private readonly fh: fs.FileHandle,
    private bytes: number,
  ) {}

  /**
   * Opens a format-2 log for appending after cutting it to `validBytes` (dropping a damaged tail); a new or empty
   * log gets its magic first.
   */
  static async open(file: string, validBytes: number): Promise<WalWriter> {
    const fh = await fs.open(file, 'a+');
    try {
      const { size } = await fh.stat();
      const keep = validBytes < WAL_MAGIC.length ? 0 : validBytes;
      if (size > keep) {
        await fh.truncate(keep);
        await fh.sync();
      }
      if (keep === 0) {
        await fh.write(WAL_MAGIC);
        await fh.sync();
      }
      return new WalWriter(fh, Math.max(keep, WAL_MAGIC.length));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends one record; with `sync` it is on disk when the promise resolves. */
  async append(chunks: readonly Buffer[], sync: boolean): Promise<void> {
    // One buffer, one write: writev may stop short past IOV_MAX chunks.
    if (this.broken)
      throw new Error('The vector log could not be repaired after a failed write; reopen the store');
    const buf = Buffer.concat(chunks);
    try {
      let done = 0;
      while (done < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, done, buf.length - done);
        done += bytesWritten;
      }
    } catch (e) {
      // A partial record followed by later ones would hide them from replay: cut it off again.
      await this.fh.truncate(this.bytes).catch(() => {
        this.broken = true;
      });
      throw e;
    }
    this.bytes += buf.length;
    if (sync) await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
