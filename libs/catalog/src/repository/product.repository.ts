import { In, type DataSource, type QueryRunner, type Repository } from 'typeorm';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { productContentHash } from '../domain/content-hash';
import { normalizeIdentifier } from '../domain/identifier';
import { canonicalAmount, parseAmount } from '../domain/money';
import { productInputProblems } from '../domain/product-input';
import type {
  ChangedProduct,
  ImageFetchOutcome,
  Money,
  Product,
  ProductInput,
  UpsertResult,
} from '../domain/product';
import type { CatalogDatabase } from '../database/catalog-data-source';
import { ProductEntity, ProductImageEntity } from '../database/entities';
import { BEFORE_FIRST_ID, isUuid } from './ids';
import { recordOutbox, type IndexOutboxRepository } from './index-outbox.repository';
import { toProduct } from './mappers';
import { inTransaction, sql } from './sql';
import { searchSegments } from './search-segments';

const MAX_ERROR_LENGTH = 2000;

export interface UpsertOptions {
  /** Run the upsert and roll it back: the counts are exact, nothing is written, `changed` is empty. */
  readonly dryRun?: boolean;
}

/** One product as the admin listing shows it, with where it stands in the index of the model in service. */
export interface AdminProductRow {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly brand: string | null;
  readonly category: string | null;
  readonly price: Money | null;
  readonly inStock: boolean;
  readonly updatedAt: Date;
  /**
   * `indexed` when its vectors were computed from its current content, `failed` when the last attempt failed,
   * `pending` otherwise (never indexed, waiting, or changed since it was indexed).
   */
  readonly indexState: 'indexed' | 'pending' | 'failed';
}

export interface AdminListOptions {
  /** The model whose index state is reported. */
  readonly modelId: string;
  /** Matches a SKU prefix, or titles holding every word of it (case-insensitive). */
  readonly q?: string;
  /** Products per page (1..500). */
  readonly limit: number;
  /** Only SKUs after this one (the previous page's last). */
  readonly afterSku?: string;
}

export interface PageOptions {
  /** Products per page (default 500). */
  readonly pageSize?: number;
}

/**
 * Products and their images. Domain types in and out; TypeORM stays inside.
 */
export class ProductRepository {
  private readonly dataSource: DataSource;
  private readonly products: Repository<ProductEntity>;
  private readonly images: Repository<ProductImageEntity>;

  /**
   * @param changes told after each commit that recorded index work (`CatalogModule` passes the one the indexer
   *   subscribes to); without it the work waits in the outbox for a relay's polling (a CLI import's case).
   */
  constructor(
    db: CatalogDatabase,
    private readonly changes?: IndexOutboxRepository,
  ) {
    this.dataSource = db.dataSource;
    this.products = db.dataSource.getRepository(ProductEntity);
    this.images = db.dataSource.getRepository(ProductImageEntity);
  }

  /**
   * Inserts or updates `inputs` by SKU in one transaction with one statement per table. A row is written only when
   * something differs (content hash, price, currency or stock), so re-sending the same products writes nothing and
   * leaves `updatedAt` alone. When an image URI changes at a position, that image goes back to `pending`; images
   * past the new list's end are removed. SKUs must be unique within one call.
   */
  async upsertMany(inputs: readonly ProductInput[], options: UpsertOptions = {}): Promise<UpsertResult> {
    if (inputs.length === 0) return { created: 0, updated: 0, unchanged: 0, changed: [] };
    const bySku = new Map<string, ProductInput>();
    for (const p of inputs) {
      if (bySku.has(p.sku)) {
        throw new ValidationError(`SKU ${p.sku} appears twice in one upsert`, { sku: p.sku });
      }
      const problems = productInputProblems(p);
      if (problems.length > 0) {
        throw new ValidationError(`product ${p.sku}: ${problems.join('; ')}`, { sku: p.sku, problems });
      }
      bySku.set(p.sku, p);
    }
    const dryRun = options.dryRun ?? false;
    const changed = await inTransaction(
      this.dataSource,
      async (runner) => {
        const rows = await upsertProducts(runner, inputs);
        await syncImages(runner, rows, bySku);
        // Their index work commits with them: a queue outage or a restart cannot lose it.
        await recordOutbox(
          runner,
          rows.map((r) => ({ kind: 'index', productId: r.id, contentHash: r.contentHash })),
        );
        return rows;
      },
      dryRun,
    );
    if (!dryRun && changed.length > 0) await this.changes?.committed();
    const created = changed.filter((c) => c.change === 'created').length;
    return {
      created,
      updated: changed.length - created,
      unchanged: inputs.length - changed.length,
      changed: dryRun ? [] : changed,
    };
  }

  async getById(id: string): Promise<Product | null> {
    const [product] = await this.getByIds([id]);
    return product ?? null;
  }

  /** Found products, in the order of `ids`; unknown ids are left out. */
  async getByIds(ids: readonly string[]): Promise<Product[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.products.find({ where: { id: In(valid) } });
    const products = await this.withImages(rows);
    const byId = new Map(products.map((p) => [p.id, p]));
    return valid.flatMap((id) => byId.get(id) ?? []);
  }

  /** The product stored under `sku`, however it is spelt in Unicode (SKUs are stored in NFC). */
  async getBySku(sku: string): Promise<Product | null> {
    const row = await this.products.findOne({ where: { sku: normalizeIdentifier(sku) } });
    if (!row) return null;
    const [product] = await this.withImages([row]);
    return product ?? null;
  }

  /**
   * Deletes products (their images and index state go with them) and records the removal of their vectors in the
   * index outbox, in one transaction; returns how many existed.
   */
  async delete(ids: readonly string[]): Promise<number> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return 0;
    const deleted = await inTransaction(this.dataSource, async (runner) => {
      const { rows } = await sql<{ id: string }>(
        runner,
        `DELETE FROM products WHERE id = ANY($1::uuid[]) RETURNING id`,
        [valid],
      );
      await recordOutbox(
        runner,
        rows.map((r) => ({ kind: 'delete', productId: r.id })),
      );
      return rows.length;
    });
    if (deleted > 0) await this.changes?.committed();
    return deleted;
  }

  /**
   * Products in SKU order with their index state, a page at a time (keyset on the SKU, so pages stay consistent while
   * products are added); `hasMore` says whether another page follows.
   */
  async adminPage(options: AdminListOptions): Promise<{ items: AdminProductRow[]; hasMore: boolean }> {
    const { limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new ValidationError('limit must be an integer from 1 to 500', { field: 'limit' });
    const q = options.q?.trim() ?? '';
    const words = q === '' ? [] : q.split(/\s+/u).map((w) => `%${escapeLike(w)}%`);
    const { rows } = await sql<{
      id: string;
      sku: string;
      title: string;
      brand: string | null;
      category: string | null;
      price_amount: string | null;
      price_currency: string | null;
      in_stock: boolean;
      updated_at: Date;
      index_state: AdminProductRow['indexState'];
    }>(
      this.dataSource,
      `SELECT p.id, p.sku, p.title, p.brand, p.category, p.price_amount, p.price_currency, p.in_stock, p.updated_at,
              CASE WHEN s.status = 'failed' THEN 'failed'
                   WHEN s.status = 'indexed' AND s.vector_content_hash = p.content_hash THEN 'indexed'
                   ELSE 'pending' END AS index_state
       FROM products p LEFT JOIN product_index_states s ON s.product_id = p.id AND s.model_id = $1
       WHERE p.sku > $2
         AND ($3 = '' OR p.sku ILIKE $4 ESCAPE '\\' OR p.title ILIKE ALL ($5::text[]))
       ORDER BY p.sku
       LIMIT $6`,
      [
        options.modelId,
        options.afterSku ?? '',
        q,
        `${escapeLike(normalizeIdentifier(q))}%`,
        words,
        limit + 1,
      ],
    );
    return {
      hasMore: rows.length > limit,
      items: rows.slice(0, limit).map((r) => ({
        id: r.id,
        sku: r.sku,
        title: r.title,
        brand: r.brand,
        category: r.category,
        price:
          r.price_amount !== null && r.price_currency !== null
            ? { amount: canonicalAmount(r.price_amount), currency: r.price_currency }
            : null,
        inStock: r.in_stock,
        updatedAt: new Date(r.updated_at),
        indexState: r.index_state,
      })),
    };
  }

  async count(): Promise<number> {
    return this.products.count();
  }

  /** Which of `ids` are products of the catalog (ids that are not UUIDs are not). */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Set();
    const rows = await this.products.find({ select: { id: true }, where: { id: In(valid) } });
    return new Set(rows.map((r) => r.id));
  }

  /** The catalog's distinct category names, sorted, at most `limit` (the category vocabulary of attributes). */
  async distinctCategories(limit = 500): Promise<string[]> {
    const { rows } = await sql<{ category: string }>(
      this.dataSource,
      `SELECT DISTINCT category FROM products WHERE category IS NOT NULL AND btrim(category) <> ''
       ORDER BY category LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.category);
  }

  /**
   * The catalog's distinct brands and string `material` attributes, sorted, at most `limit` of each: what a generated
   * text must not attribute to the wrong product.
   */
  async distinctBrandsAndMaterials(limit = 2000): Promise<{ brands: string[]; materials: string[] }> {
    const [brands, materials] = await Promise.all([
      sql<{ v: string }>(
        this.dataSource,
        `SELECT DISTINCT brand AS v FROM products WHERE brand IS NOT NULL AND btrim(brand) <> '' ORDER BY 1 LIMIT $1`,
        [limit],
      ),
      sql<{ v: string }>(
        this.dataSource,
        `SELECT DISTINCT attributes ->> 'material' AS v FROM products
         WHERE jsonb_typeof(attributes -> 'material') = 'string' ORDER BY 1 LIMIT $1`,
        [limit],
      ),
    ]);
    return { brands: brands.rows.map((r) => r.v), materials: materials.rows.map((r) => r.v) };
  }

  /** Ids of products without a description (none, or only blanks), in id order after `after` (keyset pages). */
  async idsWithoutDescription(limit: number, after?: string): Promise<string[]> {
    const { rows } = await sql<{ id: string }>(
      this.dataSource,
      `SELECT id FROM products WHERE (description IS NULL OR btrim(description) = '') AND id > $2::uuid
       ORDER BY id LIMIT $1`,
      [limit, after ?? BEFORE_FIRST_ID],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Every product, a page at a time, in id order (keyset pagination: each page is one short query, so memory stays
   * at one page and no transaction is held between pages). Products inserted during the walk may or may not appear.
   */
  async *pages(options: PageOptions = {}): AsyncGenerator<Product[], void, undefined> {
    const pageSize = options.pageSize ?? 500;
    if (!Number.isInteger(pageSize) || pageSize < 1)
      throw new ValidationError('pageSize must be a positive integer');
    let after = BEFORE_FIRST_ID;
    for (;;) {
      const rows = await this.products
        .createQueryBuilder('p')
        .where('p.id > :after', { after })
        .orderBy('p.id', 'ASC')
        .limit(pageSize)
        .getMany();
      if (rows.length === 0) return;
      yield await this.withImages(rows);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /**
   * Records the outcome of fetching image `imageId`, unless its URI is no longer `uri` (the product was re-imported
   * with another image meanwhile: the old bytes must not be attached to the new URI). Returns whether it was recorded.
   */
  async recordImageFetch(imageId: string, uri: string, outcome: ImageFetchOutcome): Promise<boolean> {
    if (!isUuid(imageId)) throw new NotFoundError('image', imageId);
    const values =
      outcome.status === 'ok'
        ? { status: 'ok', sha256: outcome.sha256, width: outcome.width, height: outcome.height, error: null }
        : {
            status: 'failed',
            sha256: null,
            width: null,
            height: null,
            error: outcome.error.slice(0, MAX_ERROR_LENGTH),
          };
    const result = await this.images.update({ id: imageId, uri }, values);
    return (result.affected ?? 0) > 0;
  }

  private async withImages(rows: readonly ProductEntity[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    const images = await this.images.find({
      where: { productId: In(rows.map((r) => r.id)) },
      order: { position: 'ASC' },
    });
    const byProduct = new Map<string, ProductImageEntity[]>();
    for (const image of images) {
      const list = byProduct.get(image.productId);
      if (list) list.push(image);
      else byProduct.set(image.productId, [image]);
    }
    return rows.map((row) => toProduct(row, byProduct.get(row.id) ?? []));
  }
}

/**
 * One INSERT … ON CONFLICT for the whole batch, parameters as arrays (unnest): a fixed 12 parameters whatever the
 * batch size. The WHERE on the conflict branch skips rows that would not change; RETURNING then lists exactly the
 * created (xmax = 0) and updated rows.
 */
async function upsertProducts(
  runner: QueryRunner,
  inputs: readonly ProductInput[],
): Promise<ChangedProduct[]> {
  const { rows } = await sql<{ id: string; sku: string; content_hash: string; inserted: boolean }>(
    runner,
    `INSERT INTO products AS p
       (sku, title, description, brand, category, price_amount, price_currency, in_stock, attributes, content_hash
       , translations, search_segments)
     SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::varchar[], $5::varchar[], $6::numeric[],
                          $7::varchar[], $8::boolean[], $9::jsonb[], $10::varchar[], $11::jsonb[], $12::tsvector[])
     ON CONFLICT (sku) DO UPDATE SET
       title = EXCLUDED.title,
       description = EXCLUDED.description,
       brand = EXCLUDED.brand,
       category = EXCLUDED.category,
       price_amount = EXCLUDED.price_amount,
       price_currency = EXCLUDED.price_currency,
       in_stock = EXCLUDED.in_stock,
       attributes = EXCLUDED.attributes,
       content_hash = EXCLUDED.content_hash,
       translations = EXCLUDED.translations,
       search_segments = EXCLUDED.search_segments,
       updated_at = now()
     WHERE p.content_hash IS DISTINCT FROM EXCLUDED.content_hash
        OR p.price_amount IS DISTINCT FROM EXCLUDED.price_amount
        OR p.price_currency IS DISTINCT FROM EXCLUDED.price_currency
        OR p.in_stock IS DISTINCT FROM EXCLUDED.in_stock
        OR p.translations IS DISTINCT FROM EXCLUDED.translations
        OR p.search_segments IS DISTINCT FROM EXCLUDED.search_segments
     RETURNING p.id, p.sku, p.content_hash, (p.xmax = 0) AS inserted`,
    [
      inputs.map((p) => p.sku),
      inputs.map((p) => p.title),
      inputs.map((p) => p.description),
      inputs.map((p) => p.brand),
      inputs.map((p) => p.category),
      inputs.map((p) => (p.price ? canonical(p.price.amount) : null)),
      inputs.map((p) => p.price?.currency ?? null),
      inputs.map((p) => p.inStock),
      inputs.map((p) => JSON.stringify(p.attributes)),
      inputs.map((p) => productContentHash(p)),
      inputs.map((p) => JSON.stringify(p.translations ?? {})),
      inputs.map((p) => searchSegments(p)),
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    sku: r.sku,
    contentHash: r.content_hash,
    change: r.inserted ? 'created' : 'updated',
  }));
}

/** Brings the image rows of the changed products in line with their input lists, keeping rows whose URI stayed. */
async function syncImages(
  runner: QueryRunner,
  changed: readonly ChangedProduct[],
  bySku: ReadonlyMap<string, ProductInput>,
): Promise<void> {
  if (changed.length === 0) return;
  const productIds: string[] = [];
  const positions: number[] = [];
  const uris: string[] = [];
  const counts: number[] = [];
  for (const c of changed) {
    const images = bySku.get(c.sku)?.images ?? [];
    images.forEach((uri, position) => {
      productIds.push(c.id);
      positions.push(position);
      uris.push(uri);
    });
    counts.push(images.length);
  }
  if (uris.length > 0) {
    await sql(
      runner,
      `INSERT INTO product_images AS i (product_id, position, uri)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::varchar[])
       ON CONFLICT (product_id, position) DO UPDATE SET
         uri = EXCLUDED.uri, sha256 = NULL, width = NULL, height = NULL, status = 'pending', error = NULL,
         updated_at = now()
       WHERE i.uri IS DISTINCT FROM EXCLUDED.uri`,
      [productIds, positions, uris],
    );
  }
  await sql(
    runner,
    `DELETE FROM product_images i
     USING unnest($1::uuid[], $2::int[]) AS keep(product_id, n)
     WHERE i.product_id = keep.product_id AND i.position >= keep.n`,
    [changed.map((c) => c.id), counts],
  );
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function canonical(amount: string): string {
  const parsed = parseAmount(amount);
  // upsertMany validated every input before it got here.
  if (!parsed.ok) throw new Error(`unvalidated amount ${amount}`);
  return parsed.amount;
}
