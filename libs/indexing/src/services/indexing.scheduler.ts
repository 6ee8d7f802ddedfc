import type { ChangedProduct, IndexStateRepository } from '@vitrine/catalog';
import { jobIds } from '../queue/job-definitions';
import type { JobQueue, JobRequest } from '../queue/job-queue';
import { ReindexService, type ReindexProgress } from './reindex.service';

/**
 * Indexing work that does not come from a catalog write: reconciliation (`syncPending`) and full reindexes.
 * Catalog writes (admin API, file and CLI imports, demo seeding, published descriptions) record their index work in
 * the catalog's outbox in their own transaction, and {@link OutboxRelay} hands it to the queue. Job ids are
 * deterministic, so asking twice is harmless.
 */
export class IndexingScheduler {
  constructor(
    private readonly queue: JobQueue,
    private readonly states: IndexStateRepository,
    private readonly reindex: ReindexService,
    readonly modelId: string,
  ) {}

  /** Queues (re-)indexing of products directly, bypassing the outbox: for reconciliation and tests. */
  async productsChanged(changed: readonly Pick<ChangedProduct, 'id' | 'contentHash'>[]): Promise<number> {
    const requests: JobRequest<'index-product'>[] = changed.map((c) => {
      const data = { productId: c.id, contentHash: c.contentHash, modelId: this.modelId };
      return { name: 'index-product', data, jobId: jobIds.indexProduct(data) };
    });
    for (let i = 0; i < requests.length; i += 1000) await this.queue.enqueueBulk(requests.slice(i, i + 1000));
    return requests.length;
  }

  /** Queues the removal of a product's vectors directly, bypassing the outbox: for tests. */
  async productDeleted(productId: string): Promise<void> {
    await this.queue.enqueue({
      name: 'delete-product',
      data: { productId },
      jobId: jobIds.deleteProduct({ productId }),
    });
  }

  /**
   * Queues every product whose vectors are missing or stale for the current model (after a restart, or when
   * changes were written without going through the queue). Permanent failures are left alone unless
   * `retryFailed`.
   */
  async syncPending(options: { readonly retryFailed?: boolean } = {}): Promise<number> {
    let queued = 0;
    for await (const page of this.states.needingIndex(this.modelId, {
      includeFailed: options.retryFailed ?? false,
    })) {
      queued += await this.productsChanged(
        page.map((p) => ({ id: p.productId, contentHash: p.contentHash })),
      );
    }
    return queued;
  }

  /** Starts a full reindex; returns its job id (poll {@link reindexProgress}). */
  async startReindex(): Promise<string> {
    return this.queue.enqueue(this.reindex.request());
  }

  async reindexProgress(jobId: string): Promise<ReindexProgress | undefined> {
    const status = await this.queue.status(jobId);
    return status && status.name === 'reindex' ? ReindexService.progress(status) : undefined;
  }
}
