import type { DataSource } from 'typeorm';
import type { CatalogDatabase, JsonValue } from '@vitrine/catalog';
import type {
  ExtractedAttribute,
  ExtractionSource,
  StoredAttribute,
} from '../attributes/extracted-attribute';
import type { AttributeName } from '../zero-shot/vocabularies';
import { isUuid, query } from './sql';

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

/** Attributes extracted from product pictures (`product_extracted_attributes`), per product. */
export class AttributeRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /**
   * Replaces everything stored for a product with `attributes` in one statement (so readers never see half a
   * set). Returns false when the product no longer exists (deleted meanwhile): nothing is written.
   */
  async replace(
    productId: string,
    contentHash: string,
    attributes: readonly ExtractedAttribute[],
  ): Promise<boolean> {
    if (!isUuid(productId)) return false;
    return this.dataSource.transaction(async (m) => {
      // Lock the product row: a concurrent delete waits for us (or we see it gone), never leaves orphans.
      const found = await m.query<unknown[]>(`SELECT 1 FROM products WHERE id = $1 FOR KEY SHARE`, [
        productId,
      ]);
      if (found.length === 0) return false;
      await m.query(`DELETE FROM product_extracted_attributes WHERE product_id = $1`, [productId]);
      if (attributes.length > 0) {
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
      }
      return true;
    });
  }

  /** What is stored for a product, by attribute then source. */
  async forProduct(productId: string): Promise<StoredAttribute[]> {
    if (!isUuid(productId)) return [];
    const { rows } = await query<Row>(
      this.dataSource,
      `SELECT * FROM product_extracted_attributes WHERE product_id = $1 ORDER BY attribute, source`,
      [productId],
    );
    return rows.map(toStored);
  }

  /** Products with stored attributes, and how many of them were read under their current content. */
  async counts(): Promise<{ products: number; current: number }> {
    const { rows } = await query<{ products: string; current: string }>(
      this.dataSource,
      `SELECT count(DISTINCT a.product_id) AS products,
              count(DISTINCT a.product_id) FILTER (WHERE a.content_hash = p.content_hash) AS current
       FROM product_extracted_attributes a JOIN products p ON p.id = a.product_id`,
    );
    return { products: Number(rows[0]?.products ?? 0), current: Number(rows[0]?.current ?? 0) };
  }
}
