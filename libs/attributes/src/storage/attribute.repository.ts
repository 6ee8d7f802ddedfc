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
   * Replaces everything stored for a product with `attributes` in one transaction (so readers never see half
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
      await this.dataSource.transaction(async (m) => {
        await m.query(`DELETE FROM product_extracted_attributes WHERE product_id = $1`, [productId]);
        // The foreign key locks the product row (a concurrent delete waits for us, or we fail): never orphans.
        await m.query(
          `INSERT INTO product_extracted_attributes
             (product_id, attribute, source, value, confidence, model_id, content_hash, details)
           SELECT $1, a, s, v, c, m, $2, d
           FROM unnest($3::varchar[], $4::varchar[], $5::varchar[], $6::float8[], $7::varchar[], $8::jsonb[])
             AS t(a, s, v, c, m, d)`,
          [
            productId,
            contentHash,
            attributes.map((a) => a.attribute),
            attributes.map((a) => a.source),
            attributes.map((a) => a.value.slice(0, 200)),
            attributes.map((a) => a.confidence),
            attributes.map((a) => a.modelId),
            attributes.map((a) => JSON.stringify(a.details)),
          ],
        );
      });
      return true;
    } catch (e) {
      if (isMissingProduct(e)) return false;
      throw e;
    }
  }

  /**
   * {@link replace} for several products in one transaction (the indexer's concurrent jobs share it), one answer
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
    const rows = items.flatMap((i) => i.attributes.map((a) => ({ item: i, a })));
    try {
      await this.dataSource.transaction(async (m) => {
        await m.query(`DELETE FROM product_extracted_attributes WHERE product_id = ANY($1::uuid[])`, [ids]);
        // The foreign key locks the product rows (a concurrent delete waits for us, or we fail): never orphans.
        await m.query(
          `INSERT INTO product_extracted_attributes
             (product_id, attribute, source, value, confidence, model_id, content_hash, details)
           SELECT p, a, s, v, c, m, h, d
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::float8[], $6::varchar[],
                       $7::varchar[], $8::jsonb[])
             AS t(p, a, s, v, c, m, h, d)`,
          [
            rows.map((r) => r.item.productId),
            rows.map((r) => r.a.attribute),
            rows.map((r) => r.a.source),
            rows.map((r) => r.a.value.slice(0, 200)),
            rows.map((r) => r.a.confidence),
            rows.map((r) => r.a.modelId),
            rows.map((r) => r.item.contentHash),
            rows.map((r) => JSON.stringify(r.a.details)),
          ],
        );
      });
      return items.map(() => true);
    } catch (e) {
      if (isMissingProduct(e)) return oneByOne();
      throw e;
    }
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
