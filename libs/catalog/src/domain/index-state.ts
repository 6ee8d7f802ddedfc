export const INDEX_STATUSES = ['pending', 'indexed', 'failed'] as const;
/** Where a product stands in the vector index of one embedding model. */
export type IndexStatus = (typeof INDEX_STATUSES)[number];

/** One product's state in the index of one model (`modelId`). */
export interface IndexState {
  readonly productId: string;
  readonly modelId: string;
  readonly status: IndexStatus;
  /** The product content hash the stored vectors were computed from (null before the first success). */
  readonly vectorContentHash: string | null;
  readonly indexedAt: Date | null;
  /** Why the last attempt failed (`failed` only). */
  readonly error: string | null;
  readonly updatedAt: Date;
}

/** Counts for one model. A product counts once in `missing`, `pending`, `failed` or `indexed`. */
export interface IndexStateCounts {
  /** Products without any state row for the model. */
  readonly missing: number;
  readonly pending: number;
  readonly indexed: number;
  readonly failed: number;
  /** Of `indexed`: products whose vectors were computed from an older content hash. */
  readonly stale: number;
}

/** A product the indexer still has to (re)index for a model. */
export interface ProductToIndex {
  readonly productId: string;
  readonly contentHash: string;
  /** null when the product has no state row for the model yet. */
  readonly status: IndexStatus | null;
  readonly vectorContentHash: string | null;
}

/** A product whose last indexing attempt for a model failed, and why. */
export interface IndexFailure {
  readonly productId: string;
  readonly sku: string;
  readonly title: string;
  /** `CODE: message` of the last attempt, e.g. `FETCH_FAILED: HTTP 404 fetching https://…`. */
  readonly reason: string;
  readonly failedAt: Date;
}

/** One page of {@link IndexFailure}s, most recent first, and how many there are in all. */
export interface IndexFailurePage {
  readonly total: number;
  readonly items: readonly IndexFailure[];
}
