import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { parseCatalogLine, productInput, ProductRepository } from '@vitrine/catalog';
import { IndexingScheduler, type ReindexProgress } from '@vitrine/indexing';
import type { ProductUpsertDto, ProductUpsertResponseDto } from './admin.dto';

/** Catalog writes from the admin API, each followed by the indexing work it implies. */
@Injectable()
export class AdminService {
  constructor(
    private readonly products: ProductRepository,
    private readonly scheduler: IndexingScheduler,
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
      await this.scheduler.productsChanged([changed]);
      return { id: changed.id, sku: changed.sku, change: changed.change, indexQueued: true };
    }
    const existing = await this.products.getBySku(line.sku);
    if (!existing) throw new NotFoundError('product', line.sku);
    return { id: existing.id, sku: existing.sku, change: 'unchanged', indexQueued: false };
  }

  /** Deletes a product from the catalog and queues the removal of its vectors. */
  async delete(id: string): Promise<void> {
    const deleted = await this.products.delete([id]);
    if (deleted === 0) throw new NotFoundError('product', id);
    await this.scheduler.productDeleted(id.toLowerCase());
  }

  async startReindex(): Promise<string> {
    return this.scheduler.startReindex();
  }

  async progress(jobId: string): Promise<ReindexProgress> {
    const progress = await this.scheduler.reindexProgress(jobId);
    if (!progress) throw new NotFoundError('reindex job', jobId);
    return progress;
  }
}
