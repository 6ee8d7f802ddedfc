import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { decodePoints, encodePoints } from './codec';
import { FRAME_BYTES, frame, readFrame, type FrameRead } from './frame';

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
 * Reads an intact format-2 log without holding it whole (a log may grow to the size of its snapshot: 1 GB at
 * 1 M x 512). `count` walks the frame headers and the point headers of upserts to say how many points the log
 * upserts, so the caller can size its arrays first; `replay` then hands every record to `onRecord`, in order,
 * verifying each checksum. Either returns undefined at the first sign of damage, of format 1 or of trailing bytes
 * (`replay` possibly after handing over some records): the caller then reads the log with {@link readWal}, which
 * keeps the intact prefix and reports the rest. Replaying that prefix again after a part of it gives the same state:
 * every record is a full upsert or a delete, and the last one for an id wins.
 */
export class WalStream {
  private constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  /** Opens `file`; undefined when it does not exist (an empty log). */
  static async open(file: string): Promise<WalStream | undefined> {
    try {
      const handle = await fs.open(file, 'r');
      return new WalStream(handle, (await handle.stat()).size);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  private async readAt(position: number, length: number): Promise<Buffer | undefined> {
    if (position + length > this.size) return undefined;
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buf, 0, length, position);
    return bytesRead === length ? buf : undefined;
  }

  /** Each frame's header, checked: where its body starts and how long it is. */
  private async *frames(): AsyncGenerator<{ start: number; length: number; crc: number } | undefined> {
    const magic = await this.readAt(0, WAL_MAGIC.length);
    if (!magic?.equals(WAL_MAGIC)) {
      if (this.size > 0) yield undefined;
      return;
    }
    let off = WAL_MAGIC.length;
    while (off < this.size) {
      const head = await this.readAt(off, FRAME_BYTES);
      if (!head || crc32(head.subarray(0, 8)) !== head.readUInt32LE(8)) {
        yield undefined;
        return;
      }
      const length = head.readUInt32LE(0);
      if (off + FRAME_BYTES + length > this.size) {
        yield undefined;
        return;
      }
      yield { start: off + FRAME_BYTES, length, crc: head.readUInt32LE(4) };
      off += FRAME_BYTES + length;
    }
  }

  /** Points the log upserts (counting repeats), or undefined when it does not look intact. */
  async count(): Promise<number | undefined> {
    let points = 0;
    for await (const f of this.frames()) {
      if (!f || f.length < 8) return undefined;
      const head = await this.readAt(f.start, 8);
      if (!head) return undefined;
      if (head[0] !== UPSERT) continue;
      const jsonLen = head.readUInt32LE(4);
      if (8 + jsonLen > f.length) return undefined;
      const json = await this.readAt(f.start + 8, jsonLen);
      try {
        points += (JSON.parse(json?.toString('utf8') ?? '') as unknown[]).length;
      } catch {
        return undefined;
      }
    }
    return points;
  }

  /** Hands every record over in order; the log's size when all of it was intact, else undefined. */
  async replay(
    dim: number,
    names: readonly VectorName[],
    onRecord: (r: WalRecord) => void,
  ): Promise<number | undefined> {
    for await (const f of this.frames()) {
      if (!f) return undefined;
      const body = await this.readAt(f.start, f.length);
      if (!body || crc32(body) !== f.crc) return undefined;
      let record: WalRecord | undefined;
      try {
        record = decodeBody(body, 0, body.length, dim, names);
      } catch {
        record = undefined;
      }
      if (!record) return undefined;
      onRecord(record);
    }
    return this.size;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
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
