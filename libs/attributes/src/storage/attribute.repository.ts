import type { DataSource } from 'typeorm';
import {
  isMissingProduct,
  isUuid,
  sql,
  type CatalogDatabase,
  type JsonValue,
  type ProductRepository,
} from '@vitrine/catalog';
import type {
  ExtractedAttribute,
  ExtractionSource,
  StoredAttribute,
} from '../extraction/extracted-attribute';
import type { AttributeName } from '../zero-shot/vocabularies';

interface Row {
  product_id: string;
  attribute: string;
  source: string;
  value: string;
  confidence: number;
  model_id: string;
  content_hash: string;
  details: Record<string, JsonValue>;
  extracted_at: Date;
}

const toStored = (r: Row): StoredAttribute => ({
  productId: r.product_id,
  attribute: r.attribute as AttributeName,
  source: r.source as ExtractionSource,
  value: r.value,
  confidence: Number(r.confidence),
  modelId: r.model_id,
  contentHash: r.content_hash,
  details: r.details,
  extractedAt: r.extracted_at,
});

/**
 * Attributes extracted from product pictures (`product_extracted_attributes`, this library's table, on the catalog's
 * connection), per product. Products themselves are read through the catalog's {@link ProductRepository}.
 */
export class AttributeRepository {
  private readonly dataSource: DataSource;

  constructor(
    db: CatalogDatabase,
    private readonly products: ProductRepository,
  ) {
    this.dataSource = db.dataSource;
  }

  /**
   * Replaces everything stored for a product with `attributes` in one statement (so readers never see half
   * a set). Returns false when the product no longer exists (deleted meanwhile): nothing is written.
   */
  async replace(
    productId: string,
    contentHash: string,
    attributes: readonly ExtractedAttribute[],
  ): Promise<boolean> {
    if (!isUuid(productId)) return false;
    if (attributes.length === 0) {
      await sql(this.dataSource, `DELETE FROM product_extracted_attributes WHERE product_id = $1`, [
        productId,
      ]);
      return (await this.products.existingIds([productId])).has(productId);
    }
    try {
      await this.write([{ productId, contentHash, attributes }]);
      return true;
    } catch (e) {
      if (isMissingProduct(e)) return false;
      throw e;
    }
  }

  /**
   * {@link replace} for several products in one statement (the indexer's concurrent jobs share it), one answer
   * per item in order. A product deleted meanwhile, an empty set or a product named twice sends the batch the
   * one-by-one way, so each answer is what {@link replace} would give.
   */
  async replaceMany(
    items: readonly {
      readonly productId: string;
      readonly contentHash: string;
      readonly attributes: readonly ExtractedAttribute[];
    }[],
  ): Promise<boolean[]> {
    const ids = items.map((i) => i.productId);
    const oneByOne = () =>
      items.reduce<Promise<boolean[]>>(
        async (done, i) => [...(await done), await this.replace(i.productId, i.contentHash, i.attributes)],
        Promise.resolve([]),
      );
    if (
      items.length < 2 ||
      new Set(ids).size !== ids.length ||
      items.some((i) => !isUuid(i.productId) || i.attributes.length === 0)
    ) {
      return oneByOne();
    }
    try {
      await this.write(items);
      return items.map(() => true);
    } catch (e) {
      if (isMissingProduct(e)) return oneByOne();
      throw e;
    }
  }

  /**
   * The sets of distinct products written in one statement (one implicit transaction, so readers never see half a
   * set): rows the new sets no longer have are deleted, the others inserted or updated in place. One round trip
   * instead of a transaction's four (BEGIN, DELETE, INSERT, COMMIT), which the indexer pays per turn of its jobs.
   * The foreign key locks the product rows (a concurrent delete waits for us, or we fail): never orphans.
   */
  private async write(
    items: readonly {
      readonly productId: string;
      readonly contentHash: string;
      readonly attributes: readonly ExtractedAttribute[];
    }[],
  ): Promise<void> {
    const rows = items.flatMap((i) => i.attributes.map((a) => ({ item: i, a })));
    await sql(
      this.dataSource,
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::float8[], $6::varchar[],
                              $7::varchar[], $8::jsonb[])
           AS t(p, a, s, v, c, m, h, d)
       ), stale AS (
         DELETE FROM product_extracted_attributes x
         WHERE x.product_id = ANY($9::uuid[])
           AND NOT EXISTS (SELECT 1 FROM input i WHERE i.p = x.product_id AND i.a = x.attribute AND i.s = x.source)
       )
       INSERT INTO product_extracted_attributes
         (product_id, attribute, source, value, confidence, model_id, content_hash, details)
       SELECT p, a, s, v, c, m, h, d FROM input
       ON CONFLICT (product_id, attribute, source) DO UPDATE SET
         value = EXCLUDED.value, confidence = EXCLUDED.confidence, model_id = EXCLUDED.model_id,
         content_hash = EXCLUDED.content_hash, details = EXCLUDED.details, extracted_at = now()`,
      [
        rows.map((r) => r.item.productId),
        rows.map((r) => r.a.attribute),
        rows.map((r) => r.a.source),
        rows.map((r) => r.a.value.slice(0, 200)),
        rows.map((r) => r.a.confidence),
        rows.map((r) => r.a.modelId),
        rows.map((r) => r.item.contentHash),
        rows.map((r) => JSON.stringify(r.a.details)),
        items.map((i) => i.productId),
      ],
    );
  }

  /** What is stored for a product, by attribute then source. */
  async forProduct(productId: string): Promise<StoredAttribute[]> {
    if (!isUuid(productId)) return [];
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT * FROM product_extracted_attributes WHERE product_id = $1 ORDER BY attribute, source`,
      [productId],
    );
    return rows.map(toStored);
  }

  /** What is stored for several products, for the named attributes only (search facets; one query). */
  async forProducts(
    productIds: readonly string[],
    attributes: readonly AttributeName[],
  ): Promise<StoredAttribute[]> {
    const ids = productIds.filter(isUuid);
    if (ids.length === 0 || attributes.length === 0) return [];
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT * FROM product_extracted_attributes WHERE product_id = ANY($1::uuid[]) AND attribute = ANY($2::text[])`,
      [ids, [...attributes]],
    );
    return rows.map(toStored);
  }

  /**
   * What the stored rows of several products were read under (source, model and content hash, per named
   * attribute), without their values and evidence: whether a product's attributes are current, in one query.
   */
  async stamps(
    productIds: readonly string[],
    attributes: readonly AttributeName[],
  ): Promise<Pick<StoredAttribute, 'productId' | 'attribute' | 'source' | 'modelId' | 'contentHash'>[]> {
    const ids = productIds.filter(isUuid);
    if (ids.length === 0 || attributes.length === 0) return [];
    const { rows } = await sql<
      Pick<Row, 'product_id' | 'attribute' | 'source' | 'model_id' | 'content_hash'>
    >(
      this.dataSource,
      `SELECT product_id, attribute, source, model_id, content_hash FROM product_extracted_attributes
       WHERE product_id = ANY($1::uuid[]) AND attribute = ANY($2::text[])`,
      [ids, [...attributes]],
    );
    return rows.map((r) => ({
      productId: r.product_id,
      attribute: r.attribute as AttributeName,
      source: r.source as ExtractionSource,
      modelId: r.model_id,
      contentHash: r.content_hash,
    }));
  }

  /** Products with stored attributes, and how many of them were read under their current content. */
  async counts(): Promise<{ products: number; current: number }> {
    const { rows } = await sql<{ product_id: string; content_hash: string }>(
      this.dataSource,
      `SELECT DISTINCT product_id, content_hash FROM product_extracted_attributes`,
    );
    const stored = new Map<string, Set<string>>();
    for (const r of rows)
      stored.set(r.product_id, (stored.get(r.product_id) ?? new Set()).add(r.content_hash));
    const products = await this.products.getByIds([...stored.keys()]);
    const current = products.filter((p) => stored.get(p.id)?.has(p.contentHash)).length;
    return { products: stored.size, current };
  }
}
