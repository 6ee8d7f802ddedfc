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
