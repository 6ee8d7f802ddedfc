import { Logger } from '@nestjs/common';
import type { CatalogChanges, OutboxBacklog, OutboxEntry } from '@vitrine/catalog';
import { jobIds } from '../queue/job-definitions';
import type { JobQueue, JobRequest } from '../queue/job-queue';

export interface OutboxRelayOptions {
  /** How often to look for changes no commit in this process announced (another process, the CLI, a lease run out). */
  readonly pollMs: number;
  /** Rows per claim (default 500). */
  readonly batchSize?: number;
  /** How long a claim keeps other relays off its rows (default 30 s). */
  readonly leaseMs?: number;
  /** Longest pause between attempts while the queue refuses work (default 10 s). */
  readonly maxBackoffMs?: number;
}

/** What the relay knows about the queue and the work waiting for it. */
export interface RelayStatus extends OutboxBacklog {
  /** `down` from the first refused hand-over until one succeeds again. */
  readonly queue: 'up' | 'down';
  /** When the queue started refusing work (ISO time), while it is down. */
  readonly downSince?: string;
}

/**
 * The one path from a catalog change to the job queue. Catalog writes record their index work in the same
 * PostgreSQL transaction as the change and announce the commit through the catalog's `CatalogChanges` port; this
 * relay, subscribed to it while started, hands rows to the queue in id order and deletes them only once the queue
 * has accepted their jobs (it also polls, for changes committed by other processes). While the queue
 * is down it retries with exponential backoff, logging the outage once and the recovery once, and the rows wait in
 * PostgreSQL. Every API and indexer process runs one; they share rows through claims (`FOR UPDATE SKIP LOCKED`
 * and a lease), and a row relayed twice (a relay dying between the hand-over and the delete) is still one job,
 * because job ids are deterministic.
 */
export class OutboxRelay {
  private readonly log = new Logger('IndexOutbox');
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxBackoffMs: number;
  private inFlight: Promise<number> | undefined;
  /** Changes were announced while a run was in flight: run again right after it. */
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private failures = 0;
  private downSince: number | undefined;
  /** What refused the last failed run: the queue, or the catalog (reading or updating the outbox). */
  private lastFailure: 'queue' | 'catalog' = 'queue';

  constructor(
    private readonly outbox: CatalogChanges,
    private readonly queue: JobQueue,
    readonly modelId: string,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
  }

  /**
   * Starts relaying in the background: at once, after every catalog commit in this process, and every `pollMs`
   * (backing off while the queue is down).
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.outbox.subscribe(() => this.changesCommitted());
    this.schedule(0);
  }

  /** Stops the background loop and waits for a hand-over in progress. */
  async stop(): Promise<void> {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
  }

  /**
   * A catalog write committed: relay now, so that with the queue up its index job exists when the write answers.
   * Never rejects, and does not try while the queue is known to be down (the backoff loop retries; the work is safe
   * in the outbox).
   */
  private async changesCommitted(): Promise<void> {
    if (this.downSince !== undefined) return;
    await this.relayAll().catch(() => undefined);
  }

  /**
   * Relays every row it can claim, a batch at a time, and resolves with how many; rejects when the queue refuses a
   * batch (the batch stays in the outbox). Joins a run already in progress (and runs once more after it, for rows
   * written meanwhile).
   */
  relayAll(): Promise<number> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    const run = (async () => {
      let total = 0;
      do {
        this.again = false;
        total += await this.drain();
      } while (this.again);
      return total;
    })();
    this.inFlight = run;
    void run.then(
      (n) => this.succeeded(n),
      (e: unknown) => this.failed(e),
    );
    return run.finally(() => (this.inFlight = undefined));
  }

  /** The outbox backlog and the queue's state as this relay last saw it. */
  async status(): Promise<RelayStatus> {
    const backlog = await this.outbox.backlog();
    return this.downSince === undefined
      ? { ...backlog, queue: 'up' }
      : { ...backlog, queue: 'down', downSince: new Date(this.downSince).toISOString() };
  }

  private async drain(): Promise<number> {
    this.lastFailure = 'catalog';
    let total = 0;
    for (;;) {
      const rows = await this.outbox.claim({ limit: this.batchSize, leaseMs: this.leaseMs });
      if (rows.length === 0) return total;
      try {
        await this.queue.enqueueBulk(rows.map((r) => this.request(r)));
      } catch (e) {
        this.lastFailure = 'queue';
        // Give the rows back now rather than at the end of the lease: the next attempt may come sooner.
        await this.outbox.release(rows.map((r) => r.id)).catch(() => undefined);
        throw e;
      }
      this.lastFailure = 'catalog';
      await this.outbox.complete(rows.map((r) => r.id));
      total += rows.length;
      if (rows.length < this.batchSize) return total;
    }
  }

  private request(row: OutboxEntry): JobRequest {
    if (row.kind === 'delete') {
      const data = { productId: row.productId };
      return { name: 'delete-product', data, jobId: jobIds.deleteProduct(data) };
    }
    const data = { productId: row.productId, contentHash: row.contentHash, modelId: this.modelId };
    return { name: 'index-product', data, jobId: jobIds.indexProduct(data) };
  }

  private succeeded(relayed: number): void {
    this.failures = 0;
    if (this.downSince !== undefined) {
      const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
      this.log.log(
        `the job queue accepts work again after ${seconds} s: relayed ${relayed} held ` +
          `change${relayed === 1 ? '' : 's'} from the outbox`,
      );
      this.downSince = undefined;
    }
    this.schedule(this.options.pollMs);
  }

  private failed(e: unknown): void {
    this.failures++;
    const reason = e instanceof Error ? e.message : String(e);
    if (this.lastFailure === 'catalog') {
      // PostgreSQL trouble: the writes themselves fail meanwhile, and /readyz says so; nothing is held anywhere.
      if (this.failures === 1)
        this.log.warn(`cannot read the index outbox: ${reason}; retrying with backoff`);
    } else if (this.downSince === undefined) {
      this.downSince = Date.now();
      this.log.warn(
        `the job queue refuses work (${reason}): catalog changes wait in ` +
          `the outbox (PostgreSQL) and are relayed when it is back; retrying with backoff`,
      );
    }
    this.schedule(Math.min(this.options.pollMs * 2 ** this.failures, this.maxBackoffMs));
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Outcomes are handled (logged, rescheduled) by relayAll itself.
      this.relayAll().catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }
}
