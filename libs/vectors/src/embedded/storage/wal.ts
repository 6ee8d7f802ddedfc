import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CheckedPoint } from '../../validation';
import type { VectorName } from '../../vector-store';
import { decodePoints, encodePoints } from './codec';

/** A change as the log records it. */
export type WalRecord =
  | { readonly op: 'upsert'; readonly points: readonly CheckedPoint[] }
  | { readonly op: 'delete'; readonly ids: readonly string[] };

const UPSERT = 1;
const DELETE = 2;
/** [u32 body length][u32 crc32 of body] */
const FRAME = 8;

/** JSON padded with spaces to a multiple of 4 bytes, so the vectors of later records stay 4-byte aligned. */
function paddedJson(value: unknown): Buffer {
  const raw = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.alloc(Math.ceil(raw.length / 4) * 4, 0x20);
  raw.copy(out);
  return out;
}

/** Encodes a record as frame + body chunks. */
export function encodeRecord(record: WalRecord, names: readonly VectorName[]): Buffer[] {
  const body =
    record.op === 'upsert'
      ? [Buffer.from([UPSERT, 0, 0, 0]), ...encodePoints(record.points, names)]
      : [Buffer.from([DELETE, 0, 0, 0]), paddedJson(record.ids)];
  let len = 0;
  let crc = 0;
  for (const c of body) {
    len += c.length;
    crc = crc32(c, crc);
  }
  const frame = Buffer.alloc(FRAME);
  frame.writeUInt32LE(len, 0);
  frame.writeUInt32LE(crc, 4);
  return [frame, ...body];
}

/**
 * Reads every complete, intact record of a log. Reading stops at the first torn or corrupt record (a crash
 * mid-append): `validBytes` is where the intact prefix ends, and the caller truncates the file there.
 */
export async function readWal(
  file: string,
  dim: number,
  names: readonly VectorName[],
): Promise<{ records: WalRecord[]; validBytes: number }> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], validBytes: 0 };
    throw e;
  }
  const records: WalRecord[] = [];
  let off = 0;
  while (off + FRAME <= buf.length) {
    const len = buf.readUInt32LE(off);
    const start = off + FRAME;
    const end = start + len;
    if (len < 4 || end > buf.length || crc32(buf.subarray(start, end)) !== buf.readUInt32LE(off + 4)) break;
    const op = buf[start];
    if (op === UPSERT)
      records.push({ op: 'upsert', points: decodePoints(buf, start + 4, dim, names).points });
    else if (op === DELETE)
      records.push({ op: 'delete', ids: JSON.parse(buf.toString('utf8', start + 4, end)) as string[] });
    else break;
    off = end;
  }
  return { records, validBytes: off };
}

/** An open log: appends records, fsyncing them when the caller waits for durability. */
export class WalWriter {
  private broken = false;

  private constructor(
    private readonly fh: fs.FileHandle,
    private bytes: number,
  ) {}

  /** Opens `file` for appending after cutting it to `validBytes` (dropping a torn tail). */
  static async open(file: string, validBytes: number): Promise<WalWriter> {
    const fh = await fs.open(file, 'a+');
    const { size } = await fh.stat();
    if (size > validBytes) {
      await fh.truncate(validBytes);
      await fh.sync();
    }
    return new WalWriter(fh, validBytes);
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
