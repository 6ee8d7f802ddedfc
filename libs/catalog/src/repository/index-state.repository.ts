import type { DataSource, Repository } from 'typeorm';
import { ValidationError } from '@vitrine/core';
import type {
  IndexFailurePage,
  IndexState,
  IndexStateCounts,
  IndexStatus,
  ProductToIndex,
} from '../domain/index-state';
import type { CatalogDatabase } from '../database/catalog-data-source';
import { ProductIndexStateEntity } from '../database/entities';
import { BEFORE_FIRST_ID, isUuid } from './ids';
import { toIndexState } from './mappers';
import { sql } from './sql';

const MAX_ERROR_LENGTH = 2000;
const MAX_MODEL_ID_LENGTH = 200;
/** The most failures one {@link IndexStateRepository.failures} call returns. */
export const MAX_FAILURES_PAGE = 500;

export interface NeedingIndexOptions {
  /** Products per page (default 500). */
  readonly pageSize?: number;
  /** Include products whose last attempt failed (default true); the indexer may skip permanent failures. */
  readonly includeFailed?: boolean;
}

/**
 * Where each product stands in the vector index of each embedding model. Products that were deleted meanwhile
 * are skipped silently by the `mark*` methods (the indexer races deletes), and their counts say so.
 */
export class IndexStateRepository {
  private readonly dataSource: DataSource;
  private readonly states: Repository<ProductIndexStateEntity>;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
    this.states = db.dataSource.getRepository(ProductIndexStateEntity);
  }

  /** Marks products as waiting for indexing (clears a previous error, keeps the hash of the vectors in store). */
  async markPending(modelId: string, productIds: readonly string[]): Promise<number> {
    checkModelId(modelId);
    if (productIds.length === 0) return 0;
    const { count } = await sql(
      this.dataSource,
      `INSERT INTO product_index_states AS s (product_id, model_id, status)
       SELECT p.id, $1, 'pending' FROM products p WHERE p.id = ANY($2::uuid[])
       ON CONFLICT (product_id, model_id) DO UPDATE SET status = 'pending', error = NULL, updated_at = now()
       RETURNING 1`,
      [modelId, productIds.filter(isUuid)],
    );
    return count;
  }

  /** Records that the vectors of each product were stored, computed from `contentHash`. */
  async markIndexed(
    modelId: string,
    items: ReadonlyArray<{ readonly productId: string; readonly contentHash: string }>,
    indexedAt: Date = new Date(),
  ): Promise<number> {
    checkModelId(modelId);
    if (items.length === 0) return 0;
    const { count } = await sql(
      this.dataSource,
      `INSERT INTO product_index_states AS s (product_id, model_id, status, vector_content_hash, indexed_at)
       SELECT p.id, $1, 'indexed', i.hash, $4
       FROM unnest($2::uuid[], $3::varchar[]) AS i(product_id, hash) JOIN products p ON p.id = i.product_id
       ON CONFLICT (product_id, model_id) DO UPDATE SET
         status = 'indexed', vector_content_hash = EXCLUDED.vector_content_hash, indexed_at = EXCLUDED.indexed_at,
         error = NULL, updated_at = now()
       RETURNING 1`,
      [modelId, ...columns(items, (i) => i.contentHash), indexedAt],
    );
    return count;
  }

  /** Records a failed attempt with its reason; vectors stored earlier (and their hash) stay as they were. */
  async markFailed(
    modelId: string,
    items: ReadonlyArray<{ readonly productId: string; readonly reason: string }>,
  ): Promise<number> {
    checkModelId(modelId);
    if (items.length === 0) return 0;
    const { count } = await sql(
      this.dataSource,
      `INSERT INTO product_index_states AS s (product_id, model_id, status, error)
       SELECT p.id, $1, 'failed', i.reason
       FROM unnest($2::uuid[], $3::text[]) AS i(product_id, reason) JOIN products p ON p.id = i.product_id
       ON CONFLICT (product_id, model_id) DO UPDATE SET status = 'failed', error = EXCLUDED.error, updated_at = now()
       RETURNING 1`,
      [modelId, ...columns(items, (i) => i.reason.slice(0, MAX_ERROR_LENGTH))],
    );
    return count;
  }

  async get(productId: string, modelId: string): Promise<IndexState | null> {
    if (!isUuid(productId)) return null;
    const row = await this.states.findOne({ where: { productId, modelId } });
    return row ? toIndexState(row) : null;
  }

  /** How many products are missing, pending, indexed (and of those stale) or failed for `modelId`. */
  async counts(modelId: string): Promise<IndexStateCounts> {
    checkModelId(modelId);
    const { rows } = await sql<Record<keyof IndexStateCounts, string>>(
      this.dataSource,
      `SELECT count(*) FILTER (WHERE s.product_id IS NULL) AS missing,
              count(*) FILTER (WHERE s.status = 'pending') AS pending,
              count(*) FILTER (WHERE s.status = 'indexed') AS indexed,
              count(*) FILTER (WHERE s.status = 'failed') AS failed,
              count(*) FILTER (WHERE s.status = 'indexed' AND s.vector_content_hash IS DISTINCT FROM p.content_hash)
                AS stale
       FROM products p LEFT JOIN product_index_states s ON s.product_id = p.id AND s.model_id = $1`,
      [modelId],
    );
    const r = rows[0]!;
    return {
      missing: Number(r.missing),
      pending: Number(r.pending),
      indexed: Number(r.indexed),
      failed: Number(r.failed),
      stale: Number(r.stale),
    };
  }

  /**
   * The products whose last attempt for `modelId` failed, with their reasons, most recent first (`offset` paging:
   * operators read the first pages, and the list changes as products are fixed).
   */
  async failures(
    modelId: string,
    page: { readonly limit?: number; readonly offset?: number } = {},
  ): Promise<IndexFailurePage> {
    checkModelId(modelId);
    const limit = page.limit ?? 50;
    const offset = page.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FAILURES_PAGE)
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_FAILURES_PAGE}`, { limit });
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new ValidationError('offset must be a non-negative integer', { offset });
    const { rows } = await sql<{
      id: string;
      sku: string;
      title: string;
      error: string | null;
      updated_at: Date;
    }>(
      this.dataSource,
      `SELECT p.id, p.sku, p.title, s.error, s.updated_at
       FROM product_index_states s JOIN products p ON p.id = s.product_id
       WHERE s.model_id = $1 AND s.status = 'failed'
       ORDER BY s.updated_at DESC, p.id
       LIMIT $2 OFFSET $3`,
      [modelId, limit, offset],
    );
    const { rows: totals } = await sql<{ total: string }>(
      this.dataSource,
      `SELECT count(*) AS total FROM product_index_states WHERE model_id = $1 AND status = 'failed'`,
      [modelId],
    );
    return {
      total: Number(totals[0]?.total ?? 0),
      items: rows.map((r) => ({
        productId: r.id,
        sku: r.sku,
        title: r.title,
        reason: r.error ?? 'no reason recorded',
        failedAt: new Date(r.updated_at),
      })),
    };
  }

  /**
   * Products whose vectors for `modelId` are missing, not `indexed`, or computed from another content hash than the
   * product's current one, in id order, a page at a time (keyset pagination, one short query per page).
   */
  needingIndex(
    modelId: string,
    options: NeedingIndexOptions = {},
  ): AsyncGenerator<ProductToIndex[], void, undefined> {
    return this.pagesWithState(
      modelId,
      options.pageSize,
      `(s.product_id IS NULL OR s.status <> 'indexed' OR s.vector_content_hash IS DISTINCT FROM p.content_hash)
       AND ($4 OR s.status IS DISTINCT FROM 'failed')`,
      [options.includeFailed ?? true],
    );
  }

  /**
   * Every product with its index state for `modelId`, in id order, a page at a time: what the indexer's reconcile
   * compares with the vector store.
   */
  allWithState(
    modelId: string,
    options: { readonly pageSize?: number } = {},
  ): AsyncGenerator<ProductToIndex[], void, undefined> {
    return this.pagesWithState(modelId, options.pageSize, 'TRUE', []);
  }

  /** Products and their index state matching `condition` (parameters from $4 on), keyset-paginated by id. */
  private async *pagesWithState(
    modelId: string,
    pageSize = 500,
    condition: string,
    params: readonly unknown[],
  ): AsyncGenerator<ProductToIndex[], void, undefined> {
    checkModelId(modelId);
    if (!Number.isInteger(pageSize) || pageSize < 1)
      throw new ValidationError('pageSize must be a positive integer');
    let after = BEFORE_FIRST_ID;
    for (;;) {
      const { rows } = await sql<{
        id: string;
        content_hash: string;
        status: IndexStatus | null;
        vector_content_hash: string | null;
      }>(
        this.dataSource,
        `SELECT p.id, p.content_hash, s.status, s.vector_content_hash
         FROM products p LEFT JOIN product_index_states s ON s.product_id = p.id AND s.model_id = $1
         WHERE p.id > $2 AND ${condition}
         ORDER BY p.id
         LIMIT $3`,
        [modelId, after, pageSize, ...params],
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        productId: r.id,
        contentHash: r.content_hash,
        status: r.status,
        vectorContentHash: r.vector_content_hash,
      }));
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }
}

function checkModelId(modelId: string): void {
  if (modelId.length === 0 || modelId.length > MAX_MODEL_ID_LENGTH) {
    throw new ValidationError(`model id must have 1 to ${MAX_MODEL_ID_LENGTH} characters`, { modelId });
  }
}

/** Product ids (malformed ones dropped: they name no product) and the matching values, as two array parameters. */
function columns<T extends { readonly productId: string }>(items: readonly T[], value: (item: T) => string) {
  const valid = items.filter((i) => isUuid(i.productId));
  return [valid.map((i) => i.productId), valid.map(value)] as const;
}
