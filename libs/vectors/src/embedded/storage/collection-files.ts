import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Collection } from '../collection';
import { fsyncDir, removeTempFiles } from './atomic-file';
import { keepDamagedCopy, type DamageLog } from './damage';
import { readSegment, streamSegment, writeSegment } from './segment';
import { encodeRecord, readWal, WalStream, WalWriter, type WalContents, type WalRecord } from './wal';

const SEGMENT = /^segment-(\d+)\.bin$/;
const WAL = /^wal-(\d+)\.log$/;

/** When to fold the log into a new segment. */
export interface CompactionPolicy {
  /** Never compact a log smaller than this. */
  readonly minLogBytes: number;
  /** Compact once the log is this many times the size of the segment. */
  readonly logToSegmentRatio: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { minLogBytes: 64 * 1024 * 1024, logToSegmentRatio: 1 };

/**
 * The files of one collection: generation `g` is `segment-g.bin` (a full snapshot; absent for g = 0) plus
 * `wal-g.log` (changes since). Recovery takes the highest segment, replays its log up to the first torn or
 * corrupt record, and deletes everything else. Compaction writes `segment-(g+1).bin` atomically and only then starts
 * `wal-(g+1).log`, so a crash at any step leaves one complete generation to open.
 */
export class CollectionFiles {
  private constructor(
    private readonly dir: string,
    private generation: number,
    private wal: WalWriter | undefined,
    private segmentBytes: number,
    private readonly policy: CompactionPolicy,
  ) {}

  /** Creates the directory of a new, empty collection. */
  static async create(dir: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    await fsyncDir(path.dirname(dir));
  }

  /**
   * Recovers the collection's state into `into` (empty) and opens its log for appending. Damage is repaired, not
   * fatal: every intact record is kept, a copy of the damaged bytes is left next to the file, and `damage`
   * records (and logs) what was lost. A damaged or format-1 snapshot, or a format-1 log, is rewritten at once as
   * a new generation in the current format.
   */
  static async open(
    dir: string,
    into: Collection,
    damage: DamageLog,
    policy: CompactionPolicy = DEFAULT_COMPACTION,
  ): Promise<CollectionFiles> {
    await removeTempFiles(dir);
    const names = await fs.readdir(dir);
    const generations = names.map((n) => SEGMENT.exec(n)?.[1]).filter((g): g is string => g !== undefined);
    const generation = generations.length ? Math.max(...generations.map(Number)) : 0;
    const { dim, vectors } = into.meta;
    const segFile = path.join(dir, `segment-${generation}.bin`);
    const walFile = path.join(dir, `wal-${generation}.log`);
    // An intact snapshot and log are read a batch and a record at a time (the log's points counted first, to size the
    // arrays once: growing by doubling while replaying would copy them and overshoot); damaged ones whole, to keep
    // what can be kept.
    const stream = await WalStream.open(walFile);
    let seg: Awaited<ReturnType<typeof readSegment>> | undefined;
    let streamed: Awaited<ReturnType<typeof streamSegment>>;
    let log: WalContents;
    try {
      const counted = stream ? await stream.count() : 0;
      const whole = counted === undefined ? await readWal(walFile, dim, vectors) : undefined;
      const logged =
        counted ?? (whole?.records ?? []).reduce((n, r) => n + (r.op === 'upsert' ? r.points.length : 0), 0);
      if (generation === 0) into.reserve(logged);
      streamed =
        generation > 0
          ? await streamSegment(
              segFile,
              dim,
              vectors,
              (count) => into.reserve(count + logged),
              (points) => into.upsert(points),
            )
          : undefined;
      seg = generation > 0 && !streamed ? await readSegment(segFile, dim, vectors) : undefined;
      if (seg) {
        into.reserve(seg.points.length + logged);
        into.upsert(seg.points);
      }
      if (whole) {
        log = whole;
        for (const r of whole.records) apply(into, r);
      } else {
        const replayed = stream ? await stream.replay(dim, vectors, (r) => apply(into, r)) : 0;
        if (replayed === undefined) {
          // Cut short by damage: replayed again from the whole file (the same records; the last one per id wins).
          log = await readWal(walFile, dim, vectors);
          for (const r of log.records) apply(into, r);
        } else {
          log = { records: [], validBytes: replayed, size: replayed, format: 2, buffer: Buffer.alloc(0) };
        }
      }
    } finally {
      await stream?.close();
    }
    if (seg?.damage) {
      const copy = await keepDamagedCopy(segFile, seg.buffer, 0);
      damage.report({
        file: damage.relative(segFile),
        kind: 'segment',
        reason: seg.damage,
        recordsKept: seg.batchesKept,
        recordsLost: seg.batchesLost,
        bytesDiscarded: seg.bytesDiscarded,
        copy: damage.relative(copy),
      });
    }
    if (log.damage) {
      const copy = await keepDamagedCopy(walFile, log.buffer, log.validBytes);
      damage.report({
        file: damage.relative(walFile),
        kind: 'wal',
        reason: log.damage,
        recordsKept: log.records.length,
        recordsLost: 1,
        bytesDiscarded: log.size - log.validBytes,
        copy: damage.relative(copy),
      });
    }
    // Older generations are fully contained in this one.
    for (const n of names) {
      const g = Number(SEGMENT.exec(n)?.[1] ?? WAL.exec(n)?.[1] ?? NaN);
      if (g < generation) await fs.rm(path.join(dir, n), { force: true });
    }
    if (seg?.damage || seg?.format === 1 || log.format === 1) {
      const files = new CollectionFiles(dir, generation, undefined, 0, policy);
      await files.compact(into);
      return files;
    }
    const wal = await WalWriter.open(walFile, log.validBytes);
    await fsyncDir(dir);
    return new CollectionFiles(dir, generation, wal, streamed?.bytes ?? seg?.bytes ?? 0, policy);
  }

  /** Appends a change to the log (durable on return when `sync`). Apply it in memory only afterwards. */
  async append(record: WalRecord, collection: Collection, sync: boolean): Promise<void> {
    if (!this.wal) throw new Error('The vector log is closed');
    await this.wal.append(encodeRecord(record, collection.meta.vectors), sync);
  }

  /** Writes a new segment when the log has grown past the policy. Call with writes to the collection paused. */
  async compactIfNeeded(collection: Collection): Promise<boolean> {
    const p = this.policy;
    if ((this.wal?.size ?? 0) < Math.max(p.minLogBytes, p.logToSegmentRatio * this.segmentBytes))
      return false;
    await this.compact(collection);
    return true;
  }

  /** Folds the current state into `segment-(g+1).bin` and starts an empty log. */
  async compact(collection: Collection): Promise<void> {
    const next = this.generation + 1;
    const bytes = await writeSegment(
      path.join(this.dir, `segment-${next}.bin`),
      collection.points(),
      collection.meta.vectors,
      undefined,
      collection.size,
    );
    // From here on the new generation is the one recovery opens.
    const wal = await WalWriter.open(path.join(this.dir, `wal-${next}.log`), 0);
    await fsyncDir(this.dir);
    const prev = this.generation;
    await this.wal?.close();
    this.wal = wal;
    this.generation = next;
    this.segmentBytes = bytes;
    await fs.rm(path.join(this.dir, `wal-${prev}.log`), { force: true });
    await fs.rm(path.join(this.dir, `segment-${prev}.bin`), { force: true });
  }

  async close(): Promise<void> {
    await this.wal?.close();
  }
}

/** Applies a log record to the in-memory state. */
export function apply(collection: Collection, record: WalRecord): void {
  if (record.op === 'upsert') collection.upsert(record.points);
  else collection.delete(record.ids);
}
