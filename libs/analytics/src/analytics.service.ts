import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { NotFoundError } from '@vitrine/core';
import { isUuid } from '@vitrine/catalog';
import type { AnalyticsRepository } from './analytics.repository';
import {
  normaliseQuery,
  SEARCH_KINDS,
  type AnalyticsReport,
  type SearchRecord,
  type StorefrontEvent,
} from './analytics.types';

export interface AnalyticsSettings {
  /** How long a recorded search may wait in memory before it is written (default 1 s). */
  readonly flushIntervalMs?: number;
  /** Searches per INSERT; this many waiting also starts a write at once (default 200). */
  readonly batchSize?: number;
  /** The most searches held while the database does not take them; past it the oldest are dropped (default 10,000). */
  readonly maxBuffered?: number;
  /** Told how many searches were dropped (a metric). */
  readonly onDropped?: (count: number) => void;
}

/** The products the event route checks against (the catalog's repository). */
export interface KnownProducts {
  existingIds(ids: readonly string[]): Promise<Set<string>>;
}

/** Queries and their rows in the lists of the report. */
const REPORT_LIMIT = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest window a report reads. */
export const MAX_REPORT_DAYS = 90;

/**
 * Search analytics. {@link recordSearch} is on the search hot path: it only appends to a bounded in-memory buffer,
 * written in batches (every second or every 200 searches, and on a clean shutdown). While the database refuses the
 * writes the buffer keeps the newest {@link AnalyticsSettings.maxBuffered} searches and drops older ones with a
 * warning and a metric: analytics must never slow searches down or take the process's memory.
 */
export class AnalyticsService implements OnModuleDestroy {
  private readonly log = new Logger('Analytics');
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private buffer: SearchRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private droppedSinceWarning = 0;
  private droppedTotal = 0;
  private closed = false;

  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly products: KnownProducts,
    private readonly settings: AnalyticsSettings = {},
  ) {
    this.flushIntervalMs = settings.flushIntervalMs ?? 1000;
    this.batchSize = settings.batchSize ?? 200;
    this.maxBuffered = settings.maxBuffered ?? 10_000;
  }

  /**
   * Records one search (cheap: no I/O here). A record whose `queryId` is not a UUID or whose kind is unknown is
   * ignored rather than let it fail the batch it would be written with.
   */
  recordSearch(record: SearchRecord): void {
    if (this.closed || !isUuid(record.queryId) || !SEARCH_KINDS.includes(record.kind)) return;
    this.buffer.push({
      queryId: record.queryId,
      kind: record.kind,
      query: record.kind === 'text' ? normaliseQuery(record.query) : null,
      total: Number.isSafeInteger(record.total) && record.total > 0 ? Math.min(record.total, 2 ** 31 - 1) : 0,
      at: record.at,
    });
    this.bound();
    if (this.buffer.length >= this.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }

  /** Searches waiting to be written, and dropped since the start. */
  stats(): { readonly buffered: number; readonly dropped: number } {
    return { buffered: this.buffer.length, dropped: this.droppedTotal };
  }

  /**
   * Writes what is buffered, a batch at a time; one write runs at a time (a second call joins it). A failed batch
   * goes back to the front of the buffer and is retried at the next tick.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
      if (this.buffer.length > 0 && !this.closed)
        this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
    });
    return this.flushing;
  }

  /** Records a storefront event; `NOT_FOUND` when the product does not exist. */
  async recordEvent(event: StorefrontEvent): Promise<void> {
    const known = await this.products.existingIds([event.productId]);
    if (!known.has(event.productId)) throw new NotFoundError('product', event.productId);
    await this.repository.insertEvent(event);
  }

  /** The figures of the last `days` days (1..90), up to `now`. Searches still buffered are written first. */
  async report(days: number, now: Date = new Date()): Promise<AnalyticsReport> {
    await this.flush();
    return this.repository.report(new Date(now.getTime() - days * DAY_MS), now, REPORT_LIMIT);
  }

  /** A clean stop writes every buffered search (Nest calls it before the catalog closes its connection). */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Until empty, or until a write fails (the database is gone: then say how many were lost).
    for (let before = Infinity; this.buffer.length > 0 && this.buffer.length < before;) {
      before = this.buffer.length;
      await this.flush();
    }
    if (this.buffer.length > 0)
      this.log.warn(`${this.buffer.length} recorded searches could not be written before shutdown`);
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.repository.insertSearches(batch);
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        this.bound();
        this.log.warn(
          `writing ${batch.length} recorded searches failed (${(error as Error).message}); ` +
            `${this.buffer.length} wait for the next try`,
        );
        return;
      }
    }
  }

  /** Drops the oldest searches past the bound, with one warning per burst and the metric. */
  private bound(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess <= 0) {
      if (this.droppedSinceWarning > 0) this.droppedSinceWarning = 0;
      return;
    }
    this.buffer.splice(0, excess);
    this.droppedTotal += excess;
    this.settings.onDropped?.(excess);
    if (this.droppedSinceWarning === 0)
      this.log.warn(
        `analytics buffer full (${this.maxBuffered} searches; is the database down?): dropping the oldest`,
      );
    this.droppedSinceWarning += excess;
  }
}
