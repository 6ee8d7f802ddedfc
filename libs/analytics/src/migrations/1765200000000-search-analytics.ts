import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Searches and storefront events, for the admin analytics. No foreign key to `products`: an event outlives its
 * product (a deleted product's clicks still count in last week's figures); rows go by age only
 * (ANALYTICS_RETENTION_DAYS).
 */
export class SearchAnalytics1765200000000 implements MigrationInterface {
  name = 'SearchAnalytics1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS "search_queries" (
        "query_id" uuid NOT NULL,
        "kind" varchar(16) NOT NULL,
        "query" varchar(500),
        "total" integer NOT NULL,
        "at" timestamptz NOT NULL,
        CONSTRAINT "search_queries_pk" PRIMARY KEY ("query_id"),
        CONSTRAINT "search_queries_total_chk" CHECK ("total" >= 0)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS "search_queries_at_idx" ON "search_queries" ("at")`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS "search_events" (
        "id" bigserial NOT NULL,
        "type" varchar(16) NOT NULL,
        "product_id" uuid NOT NULL,
        "query_id" uuid,
        "position" integer,
        "at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "search_events_pk" PRIMARY KEY ("id"),
        CONSTRAINT "search_events_type_chk" CHECK ("type" IN ('click', 'add_to_cart', 'purchase')),
        CONSTRAINT "search_events_position_chk" CHECK ("position" IS NULL OR "position" >= 1)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS "search_events_at_idx" ON "search_events" ("at")`);
    await q.query(`CREATE INDEX IF NOT EXISTS "search_events_query_idx" ON "search_events" ("query_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "search_events"`);
    await q.query(`DROP TABLE "search_queries"`);
  }
}

/** The analytics library's migrations: pass them to `CatalogModule.forRoot({ migrations })`. */
export const ANALYTICS_MIGRATIONS = [SearchAnalytics1765200000000];
