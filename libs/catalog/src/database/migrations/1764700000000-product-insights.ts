import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Product insights (libs/insights): attributes extracted from product pictures, one row per product, attribute and
 * extraction source (pixels or zero-shot), with the model and product content hash they were computed under; and
 * generated description drafts with their provenance and review state. Both go with their product (cascade).
 */
export class ProductInsights1764700000000 implements MigrationInterface {
  name = 'ProductInsights1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "product_extracted_attributes" (
        "product_id" uuid NOT NULL,
        "attribute" varchar(32) NOT NULL,
        "source" varchar(16) NOT NULL,
        "value" varchar(200) NOT NULL,
        "confidence" double precision NOT NULL,
        "model_id" varchar(200) NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        "extracted_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "product_extracted_attributes_pk" PRIMARY KEY ("product_id", "attribute", "source"),
        CONSTRAINT "product_extracted_attributes_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE,
        CONSTRAINT "product_extracted_attributes_source_chk" CHECK ("source" IN ('pixels', 'zero-shot')),
        CONSTRAINT "product_extracted_attributes_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX "product_extracted_attributes_value_idx" ON "product_extracted_attributes" ("attribute", "value")`,
    );
    await q.query(`
      CREATE TABLE "product_description_drafts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL,
        "style" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'draft',
        "generator" varchar(200) NOT NULL,
        "confidence" double precision NOT NULL,
        "inputs" jsonb NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "reviewed_at" timestamptz,
        "review_note" text,
        CONSTRAINT "product_description_drafts_pk" PRIMARY KEY ("id"),
        CONSTRAINT "product_description_drafts_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE,
        CONSTRAINT "product_description_drafts_style_chk" CHECK ("style" IN ('short', 'detailed', 'bullets', 'seo')),
        CONSTRAINT "product_description_drafts_status_chk" CHECK ("status" IN ('draft', 'approved', 'rejected')),
        CONSTRAINT "product_description_drafts_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX "product_description_drafts_product_idx" ON "product_description_drafts" ("product_id", "created_at")`,
    );
    await q.query(
      `CREATE INDEX "product_description_drafts_status_idx" ON "product_description_drafts" ("status")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "product_description_drafts"`);
    await q.query(`DROP TABLE "product_extracted_attributes"`);
  }
}
