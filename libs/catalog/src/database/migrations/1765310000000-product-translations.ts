import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Localised catalog text (issue 15): `translations` holds title/description per canonical BCP 47 tag
 * (`{"zh": {"title": ..., "description": ...}}`), replaced as a whole by each upsert; `search_segments` is the
 * full-text document of the text the `english` vector cannot cut — the translations and any CJK in the catalog's own
 * text, segmented by jieba in the application (`TextSegmenter`) and written with the row as a weighted tsvector
 * literal, so neither PostgreSQL's locale nor its parser decides where Chinese words end. GIN-indexed like
 * `search_tsv`.
 */
export class ProductTranslations1765310000000 implements MigrationInterface {
  name = 'ProductTranslations1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "products" ADD COLUMN "translations" jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "products" ADD COLUMN "search_segments" tsvector NOT NULL DEFAULT ''`);
    await q.query(`CREATE INDEX "products_search_segments_idx" ON "products" USING GIN ("search_segments")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "products_search_segments_idx"`);
    await q.query(`ALTER TABLE "products" DROP COLUMN "search_segments"`);
    await q.query(`ALTER TABLE "products" DROP COLUMN "translations"`);
  }
}
