import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Synonym sets of query understanding: each row a set of equivalent terms ("sneaker", "trainer", "running shoe"). */
export class SearchSynonyms1765200000000 implements MigrationInterface {
  name = 'SearchSynonyms1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS "search_synonyms" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "terms" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "search_synonyms_pk" PRIMARY KEY ("id"),
        CONSTRAINT "search_synonyms_terms_chk" CHECK (jsonb_typeof("terms") = 'array')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "search_synonyms"`);
  }
}

/** The search library's migrations: pass them to `CatalogModule.forRoot({ migrations })`. */
export const SEARCH_MIGRATIONS = [SearchSynonyms1765200000000];
