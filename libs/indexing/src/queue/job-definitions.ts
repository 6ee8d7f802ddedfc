/**
 * Every job the indexer runs, declared once: name → payload. Producers and handlers are typed from this map,
 * and a worker cannot start unless each name has a handler (checked by the compiler through {@link JobHandlers}
 * and again at boot).
 */
export interface JobPayloads {
  /** (Re-)embed one product into the live collection; skipped when its content and model are unchanged. */
  'index-product': { readonly productId: string; readonly contentHash: string; readonly modelId: string };
  /** Remove one product's vectors. */
  'delete-product': { readonly productId: string };
  /**
   * Full reindex into a new collection, then an atomic alias switch. Runs in steps: `plan` creates the collection
   * and fans out `reindex-batch` children page by page; `finish` runs once every child has completed.
   */
  reindex: {
    readonly runId: string;
    readonly step: 'plan' | 'finish';
    readonly modelId: string;
    readonly collection?: string;
    readonly totalProducts?: number;
    readonly totalBatches?: number;
    readonly startedAt: string;
  };
  /** Embed (or copy unchanged vectors for) one page of products into the reindex target collection. */
  'reindex-batch': {
    readonly runId: string;
    readonly collection: string;
    readonly productIds: readonly string[];
  };
  /** Read attributes (colours, category, material, …) from a product's picture once it has been embedded. */
  'extract-attributes': {
    readonly productId: string;
    readonly contentHash: string;
    readonly modelId: string;
  };
}

export type JobName = keyof JobPayloads;

export const JOB_NAMES = [
  'index-product',
  'delete-product',
  'reindex',
  'reindex-batch',
  'extract-attributes',
] as const satisfies readonly JobName[];

/** The one BullMQ queue the indexer consumes. */
export const INDEXING_QUEUE = 'indexing';

/**
 * Deterministic job ids make enqueueing idempotent: the same product content for the same model is one job,
 * however many times a catalog import or a webhook asks for it. (BullMQ ids may not contain ':'.)
 */
export const jobIds = {
  indexProduct: (p: JobPayloads['index-product']) =>
    `index.${p.productId}.${p.contentHash}.${sanitize(p.modelId)}`,
  // A product id is never reused, so its removal is one job however many times the outbox relays it.
  deleteProduct: (p: JobPayloads['delete-product']) => `delete.${p.productId}`,
  reindex: (runId: string) => `reindex.${runId}`,
  reindexBatch: (runId: string, page: number) => `reindex.${runId}.batch.${page}`,
  extractAttributes: (p: JobPayloads['extract-attributes']) =>
    `attributes.${p.productId}.${p.contentHash}.${sanitize(p.modelId)}`,
};

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.@-]/g, '_');
}
