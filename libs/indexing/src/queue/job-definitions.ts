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

/** How the queue runs one kind of job; both adapters (BullMQ and in-process) read these, nothing else. */
export interface JobDefinition {
  /** Runs before the job ends failed (1: never retried). Unrecoverable errors end it at once. */
  readonly attempts: number;
  /** Delay before the first retry; each further retry waits twice as long as the one before (exponential). */
  readonly backoffMs: number;
  /**
   * How long a completed job stays readable through `status()`, in seconds. 0: forgotten at once, so that its
   * deterministic id can be enqueued again (the handlers' own "unchanged?" check is what makes re-runs cheap).
   */
  readonly keepCompletedS: number;
  /**
   * How long a failed job stays readable with its reason, in seconds. 0 for jobs of one product: its failure and
   * reason are recorded on its index state (`/admin/index/failures`, `vitrine index status`), and a kept failed job
   * would swallow a retry of the same content for as long as it is kept.
   */
  readonly keepFailedS: number;
}

export type JobDefinitions = { readonly [N in JobName]: JobDefinition };

const DAY_S = 24 * 3600;
const ONE_PRODUCT: JobDefinition = { attempts: 5, backoffMs: 1000, keepCompletedS: 0, keepFailedS: 0 };

/**
 * Attempts, backoff and retention per job name. Jobs have no run-time limit of their own: a worker that stops
 * renewing a job's lock (INDEXER_LOCK_MS) gives it back to the queue.
 */
export const JOB_DEFINITIONS: JobDefinitions = {
  'index-product': ONE_PRODUCT,
  'delete-product': ONE_PRODUCT,
  'extract-attributes': ONE_PRODUCT,
  // A failed batch fails its run; kept a day so the run's children counts stay readable.
  'reindex-batch': { ...ONE_PRODUCT, keepFailedS: DAY_S },
  // A full reindex's outcome stays readable for a week (`vitrine index reindex --status`, the admin API).
  reindex: { ...ONE_PRODUCT, keepCompletedS: 7 * DAY_S, keepFailedS: 7 * DAY_S },
};

/** At most this many finished jobs are kept readable, however recent. */
export const MAX_KEPT_FINISHED = 10_000;

/** The wait before attempt `attemptsMade + 1` (BullMQ's `exponential` backoff). */
export function retryDelayMs(definition: JobDefinition, attemptsMade: number): number {
  return definition.backoffMs * 2 ** (attemptsMade - 1);
}

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
