import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PRODUCT_ID_REFERENCE } from '@vitrine/catalog';

/**
 * Attributes extracted from product pictures: one row per product, attribute and extraction source (pixels or
 * zero-shot), with the model and product content hash they were computed under; they go with their product.
 *
 * The class name and timestamp are those of the migration that used to live in libs/catalog and also created the
 * description drafts table (now libs/descriptions' own migration): databases that ran it keep it as done.
 */
export class ProductInsights1764700000000 implements MigrationInterface {
  name = 'ProductInsights1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS "product_extracted_attributes" (
        "product_id" uuid NOT NULL,
        "attribute" varchar(32) NOT NULL,
        "source" varchar(16) NOT NULL,
        "value" varchar(200) NOT NULL,
        "confidence" double precision NOT NULL,
        "model_id" varchar(200) NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        "extracted_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "product_extracted_attributes_product_fk" FOREIGN KEY ("product_id") ${PRODUCT_ID_REFERENCE},
        CONSTRAINT "product_extracted_attributes_pk" PRIMARY KEY ("product_id", "attribute", "source"),
        CONSTRAINT "product_extracted_attributes_source_chk" CHECK ("source" IN ('pixels', 'zero-shot')),
        CONSTRAINT "product_extracted_attributes_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "product_extracted_attributes_value_idx"
         ON "product_extracted_attributes" ("attribute", "value")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "product_extracted_attributes"`);
  }
}

/** The attributes library's migrations: pass them to `CatalogModule.forRoot({ migrations })`. */
export const ATTRIBUTE_MIGRATIONS = [ProductInsights1764700000000];
