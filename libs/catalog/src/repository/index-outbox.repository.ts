import type { DataSource, QueryRunner } from 'typeorm';
import { ValidationError } from '@vitrine/core';
import type { CatalogDatabase } from '../database/catalog-data-source';
import type {
  CatalogChangeListener,
  CatalogChanges,
  OutboxBacklog,
  OutboxChange,
  OutboxEntry,
} from '../domain/index-outbox';
import { sql } from './sql';

export interface ClaimOptions {
  /** Rows per claim (default 500). */
  readonly limit?: number;
  /**
   * How long the claim keeps other relays off these rows (default 30 s). A relay that dies holding a claim gives
   * its rows back when the lease runs out; one that outlives it may see them relayed twice (the queue's
   * deterministic job ids make that one job).
   */
  readonly leaseMs?: number;
}

/**
 * How long a writer waits, after its commit, for the subscribers to hand its changes on: with the queue up, an admin
 * write's index job exists when it answers; a slow queue does not slow writes down (the hand-over goes on).
 */
const NOTIFY_WAIT_MS = 250;

/**
 * The index outbox (see the `IndexOutbox` migration) and the {@link CatalogChanges} port over it: written by
 * {@link ProductRepository} inside its transactions (which then call {@link committed}), consumed by the relay in
 * libs/indexing. Claims are one short statement each (`FOR UPDATE SKIP LOCKED` plus a lease), so relays in several
 * processes share the rows without holding a transaction open while they talk to the queue.
 */
export class IndexOutboxRepository implements CatalogChanges {
  private readonly dataSource: DataSource;
  private readonly listeners = new Set<CatalogChangeListener>();
  private readonly handling = new Set<Promise<void>>();

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  subscribe(listener: CatalogChangeListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async settled(): Promise<void> {
    while (this.handling.size > 0) await Promise.all(this.handling);
  }

  /**
   * Tells the subscribers that a transaction recorded changes and committed, and waits for them a moment (at most
   * {@link NOTIFY_WAIT_MS}). Never rejects. Internal to the catalog's repositories.
   */
  async committed(): Promise<void> {
    if (this.listeners.size === 0) return;
    const run = Promise.all([...this.listeners].map((l) => l().catch(() => undefined))).then(() => undefined);
    this.handling.add(run);
    void run.finally(() => this.handling.delete(run));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run, new Promise<void>((r) => (timer = setTimeout(r, NOTIFY_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Claims up to `limit` unclaimed rows (or rows whose lease ran out), oldest first. */
  async claim(options: ClaimOptions = {}): Promise<OutboxEntry[]> {
    const limit = options.limit ?? 500;
    const leaseMs = options.leaseMs ?? 30_000;
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('limit must be a positive integer');
    if (!Number.isInteger(leaseMs) || leaseMs < 1)
      throw new ValidationError('leaseMs must be a positive integer');
    const { rows } = await sql<{
      id: string;
      product_id: string;
      kind: 'index' | 'delete';
      content_hash: string | null;
      created_at: Date;
      attempts: number;
    }>(
      this.dataSource,
      `UPDATE index_outbox o
       SET claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
           attempts = o.attempts + 1
       WHERE o.id IN (
         SELECT id FROM index_outbox
         WHERE claimed_until IS NULL OR claimed_until < clock_timestamp()
         ORDER BY id
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.product_id, o.kind, o.content_hash, o.created_at, o.attempts`,
      [limit, leaseMs],
    );
    return rows
      .map((r): OutboxEntry => {
        const common = { id: String(r.id), createdAt: r.created_at, attempts: r.attempts };
        return r.kind === 'index'
          ? { ...common, kind: 'index', productId: r.product_id, contentHash: r.content_hash ?? '' }
          : { ...common, kind: 'delete', productId: r.product_id };
      })
      .sort((a, b) => compareIds(a.id, b.id));
  }

  /** Removes rows whose work the queue has accepted. */
  async complete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { count } = await sql(this.dataSource, `DELETE FROM index_outbox WHERE id = ANY($1::bigint[])`, [
      ids,
    ]);
    return count;
  }

  /** Gives claimed rows back at once (the queue refused them), so the next attempt need not wait for the lease. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql(this.dataSource, `UPDATE index_outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[])`, [
      ids,
    ]);
  }

  /** How much index work waits in the outbox, and for how long the oldest has waited. */
  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await sql<{ pending: string; oldest: number | null }>(
      this.dataSource,
      `SELECT count(*) AS pending, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
       FROM index_outbox`,
    );
    const r = rows[0]!;
    return {
      pending: Number(r.pending),
      oldestAgeSeconds: r.oldest === null ? null : Math.max(0, Number(r.oldest)),
    };
  }
}

/**
 * Records `changes` in the outbox on `runner`, which must be inside the transaction that makes the changes: both
 * commit or neither does. Internal to the catalog's repositories.
 */
export async function recordOutbox(runner: QueryRunner, changes: readonly OutboxChange[]): Promise<void> {
  if (changes.length === 0) return;
  await sql(
    runner,
    `INSERT INTO index_outbox (product_id, kind, content_hash)
     SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[])`,
    [
      changes.map((c) => c.productId),
      changes.map((c) => c.kind),
      changes.map((c) => (c.kind === 'index' ? c.contentHash : null)),
    ],
  );
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
