/**
 * Index work a catalog change implies, recorded in the same transaction as the change: `index` a product's
 * current content, or `delete` its vectors.
 */
export type OutboxChange =
  | { readonly kind: 'index'; readonly productId: string; readonly contentHash: string }
  | { readonly kind: 'delete'; readonly productId: string };

/** An outbox row a relay has claimed. */
export type OutboxEntry = OutboxChange & {
  /** The row's id (a bigint, as a string): later changes have larger ids. */
  readonly id: string;
  readonly createdAt: Date;
  /** How many times a relay has claimed this row (1 on the first try). */
  readonly attempts: number;
};

/** Index work not yet handed to the job queue. */
export interface OutboxBacklog {
  readonly pending: number;
  /** Age of the oldest row, in seconds; null when the outbox is empty. */
  readonly oldestAgeSeconds: number | null;
}

/** Told after a transaction that recorded catalog changes has committed; never rejects (see {@link CatalogChanges}). */
export type CatalogChangeListener = () => Promise<void>;

/**
 * The catalog's changes as the indexer consumes them, in one path: every catalog write (API upsert and delete, file
 * import, CLI import, demo seeding, a published description) records its index work in the outbox in the same
 * transaction, then tells the subscribers that changes were committed. A subscriber (the indexer's outbox relay)
 * claims the recorded rows, hands them on and completes them; writes made by another process (the CLI) reach it by
 * its polling. No writer talks to the indexer itself.
 */
export interface CatalogChanges {
  /** Calls `listener` after each commit that recorded changes, in this process; returns the unsubscribe. */
  subscribe(listener: CatalogChangeListener): () => void;
  /**
   * Resolves once the subscribers have handled every change committed so far in this process (or gave up, the
   * queue being down: the changes then wait in the outbox).
   */
  settled(): Promise<void>;
  /** Claims up to `limit` recorded changes no one else holds, oldest first. */
  claim(options?: { readonly limit?: number; readonly leaseMs?: number }): Promise<OutboxEntry[]>;
  /** Removes changes whose work was handed on. */
  complete(ids: readonly string[]): Promise<number>;
  /** Gives claimed changes back at once (they could not be handed on). */
  release(ids: readonly string[]): Promise<void>;
  /** How many changes wait, and for how long the oldest has. */
  backlog(): Promise<OutboxBacklog>;
}
