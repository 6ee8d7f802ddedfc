import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PRODUCT_ID_REFERENCE } from '@vitrine/catalog';

/**
 * Generated description drafts with their provenance and review state; they go with their product.
 *
 * Databases migrated before the table had an owner of its own already have it (libs/catalog's
 * `ProductInsights1764700000000` created it beside the extracted attributes): every statement is `IF NOT EXISTS`,
 * so this records the table as the descriptions library's without touching it there.
 */
export class DescriptionDrafts1764700000001 implements MigrationInterface {
  name = 'DescriptionDrafts1764700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS "product_description_drafts" (
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
        CONSTRAINT "product_description_drafts_product_fk" FOREIGN KEY ("product_id") ${PRODUCT_ID_REFERENCE},
        CONSTRAINT "product_description_drafts_pk" PRIMARY KEY ("id"),
        CONSTRAINT "product_description_drafts_style_chk" CHECK ("style" IN ('short', 'detailed', 'bullets', 'seo')),
        CONSTRAINT "product_description_drafts_status_chk" CHECK ("status" IN ('draft', 'approved', 'rejected')),
        CONSTRAINT "product_description_drafts_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "product_description_drafts_product_idx"
         ON "product_description_drafts" ("product_id", "created_at")`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS "product_description_drafts_status_idx" ON "product_description_drafts" ("status")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "product_description_drafts"`);
  }
}

/** The descriptions library's migrations: pass them to `CatalogModule.forRoot({ migrations })`. */
export const DESCRIPTION_MIGRATIONS = [DescriptionDrafts1764700000001];
