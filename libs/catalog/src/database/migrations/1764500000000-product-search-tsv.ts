import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lexical search over products (libs/search): a generated, weighted tsvector — title (A), brand and category (B),
 * description (C) — with a GIN index. `to_tsvector` with an explicit regconfig is immutable, so PostgreSQL keeps
 * the column in step on every write; PGlite ships the same `english` configuration.
 */
export class ProductSearchTsv1764500000000 implements MigrationInterface {
  name = 'ProductSearchTsv1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "products" ADD COLUMN "search_tsv" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce("brand", '') || ' ' || coalesce("category", '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')
      ) STORED`);
    await q.query(`CREATE INDEX "products_search_tsv_idx" ON "products" USING GIN ("search_tsv")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "products_search_tsv_idx"`);
    await q.query(`ALTER TABLE "products" DROP COLUMN "search_tsv"`);
  }
}
