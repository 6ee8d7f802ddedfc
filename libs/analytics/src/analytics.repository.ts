import type { DataSource } from 'typeorm';
import { sql, type CatalogDatabase } from '@vitrine/catalog';
import {
  EVENT_TYPES,
  type AnalyticsReport,
  type EventType,
  type SearchRecord,
  type StorefrontEvent,
} from './analytics.types';

/**
 * The analytics tables (`search_queries`, `search_events`: this library's, on the catalog's connection). Rows carry
 * normalised queries; nothing here reads the catalog's tables.
 */
export class AnalyticsRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /** Stores searches in one statement; a search already stored (a retried batch) is kept as it was. */
  async insertSearches(rows: readonly SearchRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await sql(
      this.dataSource,
      `INSERT INTO search_queries (query_id, kind, query, total, at)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::int[], $5::timestamptz[])
       ON CONFLICT (query_id) DO NOTHING`,
      [
        rows.map((r) => r.queryId),
        rows.map((r) => r.kind),
        rows.map((r) => r.query),
        rows.map((r) => r.total),
        rows.map((r) => r.at.toISOString()),
      ],
    );
  }

  async insertEvent(event: StorefrontEvent): Promise<void> {
    await sql(
      this.dataSource,
      `INSERT INTO search_events (type, product_id, query_id, position, at) VALUES ($1, $2, $3, $4, $5)`,
      [
        event.type,
        event.productId,
        event.queryId ?? null,
        event.position ?? null,
        (event.at ?? new Date()).toISOString(),
      ],
    );
  }

  /** Searches started in `[from, to]` (up to and including `to`: an event recorded in the very millisecond of the report counts) and what followed them; `limit` rows per list. */
  async report(from: Date, to: Date, limit: number): Promise<AnalyticsReport> {
    const window = [from.toISOString(), to.toISOString()];
    const [totals, top, zero, events] = await Promise.all([
      sql<{ searches: string; clicked: string }>(
        this.dataSource,
        `SELECT count(*) AS searches,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM search_events e WHERE e.query_id = s.query_id AND e.type = 'click')) AS clicked
         FROM search_queries s WHERE s.at >= $1 AND s.at <= $2`,
        window,
      ),
      sql<{ query: string; count: string; clicks: string; clicked: string }>(
        this.dataSource,
        `WITH c AS (
           SELECT query_id, count(*) AS clicks FROM search_events
           WHERE type = 'click' AND query_id IS NOT NULL AND at >= $1 GROUP BY query_id)
         SELECT s.query, count(*) AS count, coalesce(sum(c.clicks), 0) AS clicks, count(c.query_id) AS clicked
         FROM search_queries s LEFT JOIN c ON c.query_id = s.query_id
         WHERE s.at >= $1 AND s.at <= $2 AND s.query IS NOT NULL
         GROUP BY s.query ORDER BY count(*) DESC, s.query LIMIT $3`,
        [...window, limit],
      ),
      sql<{ query: string; count: string }>(
        this.dataSource,
        `SELECT query, count(*) AS count FROM search_queries
         WHERE at >= $1 AND at <= $2 AND total = 0 AND query IS NOT NULL
         GROUP BY query ORDER BY count(*) DESC, query LIMIT $3`,
        [...window, limit],
      ),
      sql<{ type: EventType; count: string }>(
        this.dataSource,
        `SELECT type, count(*) AS count FROM search_events WHERE at >= $1 AND at <= $2 GROUP BY type`,
        window,
      ),
    ]);
    const searches = Number(totals.rows[0]?.searches ?? 0);
    const clicked = Number(totals.rows[0]?.clicked ?? 0);
    const counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
    for (const r of events.rows) counts[r.type] = Number(r.count);
    return {
      from,
      to,
      searches,
      clickThroughRate: searches === 0 ? null : round(clicked / searches),
      topQueries: top.rows.map((r) => ({
        query: r.query,
        count: Number(r.count),
        clicks: Number(r.clicks),
        ctr: round(Number(r.clicked) / Number(r.count)),
      })),
      zeroResultQueries: zero.rows.map((r) => ({ query: r.query, count: Number(r.count) })),
      events: counts,
    };
  }

  /** Deletes searches and events older than `days`; returns how many rows went. */
  async purgeOlderThan(days: number): Promise<number> {
    const searches = await sql(
      this.dataSource,
      `DELETE FROM search_queries WHERE at < now() - make_interval(days => $1)`,
      [days],
    );
    const events = await sql(
      this.dataSource,
      `DELETE FROM search_events WHERE at < now() - make_interval(days => $1)`,
      [days],
    );
    return searches.count + events.count;
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
