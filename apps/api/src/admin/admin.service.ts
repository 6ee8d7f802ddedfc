import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@vitrine/core';
import {
  IndexStateRepository,
  parseCatalogLine,
  productInput,
  ProductRepository,
  type CatalogLine,
} from '@vitrine/catalog';
import { IndexingScheduler, type ReindexProgress } from '@vitrine/indexing';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import type { AdminProductWriteDto } from '../products/product-detail.dto';
import { ProductDetailService } from '../products/product-detail.service';
import type {
  AdminProductListDto,
  AdminProductListQueryDto,
  IndexFailuresDto,
  IndexFailuresQueryDto,
  IndexStatusDto,
  ProductDeleteBySkuResponseDto,
  ProductPatchDto,
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
  /** The last reindex this process started: what `GET /v1/admin/index` reports. */
  private lastReindex: string | undefined;

  constructor(
    private readonly products: ProductRepository,
    private readonly scheduler: IndexingScheduler,
    private readonly states: IndexStateRepository,
    private readonly details: ProductDetailService,
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
  ) {}

  /** Creates or updates a product by SKU with the import's rules and queues its (re-)indexing. */
  async upsert(dto: ProductUpsertDto): Promise<ProductUpsertResponseDto> {
    const parsed = parseCatalogLine(JSON.stringify(dto));
    if (!parsed.ok) throw new ValidationError(parsed.reason, { sku: dto.sku });
    const line = parsed.line;
    const input = productInput(line, httpsImages(line));
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

  /**
   * Changes some fields of a product (the others keep their values) under the upsert's rules; a change re-indexes it
   * through the outbox like any catalog write. Answers with the product as it now is.
   */
  async patch(id: string, dto: ProductPatchDto): Promise<AdminProductWriteDto> {
    const product = await this.products.getById(id);
    if (!product) throw new NotFoundError('product', id);
    const sent = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    const merged = {
      sku: product.sku,
      title: product.title,
      description: product.description,
      brand: product.brand,
      category: product.category,
      price: product.price,
      inStock: product.inStock,
      attributes: product.attributes,
      translations: product.translations ?? {},
      ...sent,
      // Stored images may be file:// URIs from a catalog file: they are kept as they are unless the patch sends a list.
      images: dto.images ?? [],
    };
    const parsed = parseCatalogLine(JSON.stringify(merged));
    if (!parsed.ok) throw new ValidationError(parsed.reason, { id });
    const images = dto.images === undefined ? product.images.map((i) => i.uri) : httpsImages(parsed.line);
    const result = await this.products.upsertMany([productInput(parsed.line, images)]);
    const changed = result.changed[0];
    if (changed && changed.id !== product.id) {
      // Deleted between the read and the write: the upsert by SKU made a new product, which a PATCH must not do.
      await this.products.delete([changed.id]);
      throw new NotFoundError('product', id);
    }
    const now = await this.products.getById(product.id);
    if (!now) throw new NotFoundError('product', id);
    return {
      ...(await this.details.of(now)),
      change: changed?.change ?? 'unchanged',
      indexQueued: changed !== undefined,
    };
  }

  /** Deletes the product stored under `sku`; `NOT_FOUND` when there is none. */
  async deleteBySku(sku: string): Promise<ProductDeleteBySkuResponseDto> {
    const product = await this.products.getBySku(sku);
    if (!product || (await this.products.delete([product.id])) === 0) throw new NotFoundError('product', sku);
    return { id: product.id, sku: product.sku, deleted: true };
  }

  /** Products in SKU order with their index state for the model in service. */
  async list(query: AdminProductListQueryDto): Promise<AdminProductListDto> {
    const page = await this.products.adminPage({
      modelId: this.scheduler.modelId,
      q: query.q,
      limit: query.limit ?? 50,
      afterSku: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const last = page.items[page.items.length - 1];
    return {
      items: page.items.map((p) => ({ ...p, updatedAt: p.updatedAt.toISOString() })),
      nextCursor: page.hasMore && last ? Buffer.from(last.sku, 'utf8').toString('base64url') : null,
    };
  }

  /** Where the index stands: its collection, the model, product counts by state, and the last reindex. */
  async indexStatus(): Promise<IndexStatusDto> {
    const modelId = this.scheduler.modelId;
    const [counts, collection, reindex] = await Promise.all([
      this.states.counts(modelId),
      this.vectors.resolveAlias(PRODUCTS_ALIAS),
      this.lastReindex ? this.scheduler.reindexProgress(this.lastReindex) : undefined,
    ]);
    return {
      collection: collection ?? null,
      model: modelId,
      products: counts.missing + counts.pending + counts.indexed + counts.failed,
      indexed: counts.indexed - counts.stale,
      pending: counts.missing + counts.pending + counts.stale,
      failed: counts.failed,
      reindex: reindex ?? null,
    };
  }

  async startReindex(): Promise<string> {
    const jobId = await this.scheduler.startReindex();
    this.lastReindex = jobId;
    return jobId;
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

/** A line's image references as stored URLs: https only (file:, http: and paths are for catalog files on disk). */
function httpsImages(line: CatalogLine): string[] {
  const notHttps = line.imageRefs.findIndex((ref) => !/^https:\/\/[^\s]+$/i.test(ref));
  if (notHttps !== -1) {
    throw new ValidationError(`images[${notHttps}] must be an https:// URL`, {
      field: `images[${notHttps}]`,
    });
  }
  return line.imageRefs.map((ref) => new URL(ref).toString());
}

/** The SKU a `nextCursor` stands for; `VALIDATION_FAILED` for anything this list did not hand out. */
function decodeCursor(cursor: string): string {
  const sku = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (sku === '' || Buffer.from(sku, 'utf8').toString('base64url') !== cursor)
    throw new ValidationError('cursor is not one this list returned', { field: 'cursor' });
  return sku;
}
