import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { IndexStateRepository, parseCatalogLine, productInput, ProductRepository } from '@vitrine/catalog';
import { IndexingScheduler, type ReindexProgress } from '@vitrine/indexing';
import type {
  IndexFailuresDto,
  IndexFailuresQueryDto,
  ProductUpsertDto,
  ProductUpsertResponseDto,
} from './admin.dto';

/**
 * Catalog writes from the admin API. Each write records its index work in the catalog's outbox in the same
 * transaction, so it succeeds (and its indexing follows) whether or not the job queue is up; the catalog then
 * announces the commit to the indexer's relay (`CatalogChanges`), so that with the queue up the job exists when the
 * write answers.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly products: ProductRepository,
    private readonly scheduler: IndexingScheduler,
    private readonly states: IndexStateRepository,
  ) {}

  /** Creates or updates a product by SKU with the import's rules and queues its (re-)indexing. */
  async upsert(dto: ProductUpsertDto): Promise<ProductUpsertResponseDto> {
    const parsed = parseCatalogLine(JSON.stringify(dto));
    if (!parsed.ok) throw new ValidationError(parsed.reason, { sku: dto.sku });
    const line = parsed.line;
    const notHttps = line.imageRefs.findIndex((ref) => !/^https:\/\/[^\s]+$/i.test(ref));
    if (notHttps !== -1) {
      // file:, http: and relative paths are for catalog files on disk, never for a network API.
      throw new ValidationError(`images[${notHttps}] must be an https:// URL`, {
        field: `images[${notHttps}]`,
      });
    }
    const input = productInput(
      line,
      line.imageRefs.map((ref) => new URL(ref).toString()),
    );
    const result = await this.products.upsertMany([input]);
    const changed = result.changed[0];
    if (changed) {
      return { id: changed.id, sku: changed.sku, change: changed.change, indexQueued: true };
    }
    const existing = await this.products.getBySku(line.sku);
    if (!existing) throw new NotFoundError('product', line.sku);
    return { id: existing.id, sku: existing.sku, change: 'unchanged', indexQueued: false };
  }

  /** Deletes a product from the catalog, with the removal of its vectors recorded in the outbox. */
  async delete(id: string): Promise<void> {
    const deleted = await this.products.delete([id]);
    if (deleted === 0) throw new NotFoundError('product', id);
  }

  async startReindex(): Promise<string> {
    return this.scheduler.startReindex();
  }

  /** Products whose last indexing attempt for the model in service failed, with their reasons. */
  async failures(query: IndexFailuresQueryDto): Promise<IndexFailuresDto> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const modelId = this.scheduler.modelId;
    const page = await this.states.failures(modelId, { limit, offset });
    const next = offset + page.items.length;
    return {
      modelId,
      total: page.total,
      limit,
      offset,
      items: page.items.map((f) => ({ ...f, failedAt: f.failedAt.toISOString() })),
      ...(next < page.total && page.items.length > 0 ? { nextOffset: next } : {}),
    };
  }

  async progress(jobId: string): Promise<ReindexProgress> {
    const progress = await this.scheduler.reindexProgress(jobId);
    if (!progress) throw new NotFoundError('reindex job', jobId);
    return progress;
  }
}
