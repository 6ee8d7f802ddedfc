import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { JsonValue } from '../../domain/product';
import { searchSegments } from '../../repository/search-segments';

/** Han (incl. extension A), kana and hangul: the text `searchSegments` reads (PostgreSQL regex, both backends). */
const CJK_PATTERN = '[\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]';
const BACKFILL_BATCH = 500;

/**
 * Localised catalog text (issue 15): `translations` holds title/description per canonical BCP 47 tag
 * (`{"zh": {"title": ..., "description": ...}}`), replaced as a whole by each upsert; `search_segments` is the
 * full-text document of the text the `english` vector cannot cut — the translations and any CJK in the catalog's own
 * text, segmented by jieba in the application (`TextSegmenter`) and written with the row as a weighted tsvector
 * literal, so neither PostgreSQL's locale nor its parser decides where Chinese words end. GIN-indexed like
 * `search_tsv`.
 *
 * Products written before this migration get their document here (jieba runs in Node, in the migration's
 * transaction): only those with CJK in their own text can have one, so a catalog without any is one index-free scan.
 */
export class ProductTranslations1765310000000 implements MigrationInterface {
  name = 'ProductTranslations1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "products" ADD COLUMN "translations" jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "products" ADD COLUMN "search_segments" tsvector NOT NULL DEFAULT ''`);
    await q.query(`CREATE INDEX "products_search_segments_idx" ON "products" USING GIN ("search_segments")`);
    await backfill(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "products_search_segments_idx"`);
    await q.query(`ALTER TABLE "products" DROP COLUMN "search_segments"`);
    await q.query(`ALTER TABLE "products" DROP COLUMN "translations"`);
  }
}

interface LegacyRow {
  id: string;
  title: string;
  description: string | null;
  brand: string | null;
  category: string | null;
  attributes: Record<string, JsonValue>;
}

async function backfill(q: QueryRunner): Promise<void> {
  for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = (await q.query(
      `SELECT id, title, description, brand, category, attributes FROM products
       WHERE id > $1::uuid AND concat_ws(' ', title, description, brand, category) ~ $2
       ORDER BY id LIMIT ${BACKFILL_BATCH}`,
      [after, CJK_PATTERN],
    )) as LegacyRow[];
    if (rows.length === 0) return;
    const segments = rows.map((r) => searchSegments({ ...r, translations: {} }));
    await q.query(
      `UPDATE products p SET search_segments = u.segments
       FROM unnest($1::uuid[], $2::tsvector[]) AS u(id, segments) WHERE p.id = u.id`,
      [rows.map((r) => r.id), segments],
    );
    after = rows[rows.length - 1]!.id;
  }
}
