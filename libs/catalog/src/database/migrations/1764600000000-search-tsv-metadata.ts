import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Records `products.search_tsv` (a generated column, see ProductSearchTsv1764500000000) in TypeORM's
 * `typeorm_metadata` table, where TypeORM keeps the expressions of generated columns: the entity declares the
 * column, and without this row TypeORM's schema diff would want to rebuild it.
 */
export class SearchTsvMetadata1764600000000 implements MigrationInterface {
  name = 'SearchTsvMetadata1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // TypeORM's own DDL for the table; it creates it itself before migrations once an entity has a generated column.
    await q.query(
      `CREATE TABLE IF NOT EXISTS "typeorm_metadata" ("type" varchar NOT NULL, "database" varchar, "schema" varchar,
       "table" varchar, "name" varchar, "value" text)`,
    );
    await q.query(
      `INSERT INTO "typeorm_metadata" ("database", "schema", "table", "type", "name", "value")
       VALUES (current_database(), current_schema(), 'products', 'GENERATED_COLUMN', 'search_tsv', $1)`,
      [SEARCH_TSV_EXPRESSION],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "typeorm_metadata" WHERE "table" = 'products' AND "name" = 'search_tsv'`);
  }
}

/** The column's expression as the entity states it (frozen here, like the rest of a migration). */
const SEARCH_TSV_EXPRESSION =
  `setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') || ` +
  `setweight(to_tsvector('english'::regconfig, coalesce("brand", '') || ' ' || coalesce("category", '')), 'B') || ` +
  `setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')`;
