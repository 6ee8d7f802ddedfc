import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Products, their images and per-model index state. gen_random_uuid() is built in since PostgreSQL 13. */
export class CreateCatalog1764158400000 implements MigrationInterface {
  name = 'CreateCatalog1764158400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "products" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "sku" character varying(128) NOT NULL,
        "title" character varying(500) NOT NULL,
        "description" text,
        "brand" character varying(200),
        "category" character varying(200),
        "price_amount" numeric(19,4),
        "price_currency" character varying(3),
        "in_stock" boolean NOT NULL DEFAULT true,
        "attributes" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "content_hash" character varying(64) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "products_pk" PRIMARY KEY ("id"),
        CONSTRAINT "products_price_chk" CHECK ((price_amount IS NULL) = (price_currency IS NULL) AND price_amount >= 0)
      )`);
    await q.query(`CREATE UNIQUE INDEX "products_sku_uq" ON "products" ("sku")`);
    await q.query(`CREATE INDEX "products_category_idx" ON "products" ("category")`);
    await q.query(`CREATE INDEX "products_brand_idx" ON "products" ("brand")`);

    await q.query(`
      CREATE TABLE "product_images" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL,
        "position" integer NOT NULL,
        "uri" character varying(2048) NOT NULL,
        "sha256" character varying(64),
        "width" integer,
        "height" integer,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "error" text,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "product_images_pk" PRIMARY KEY ("id"),
        CONSTRAINT "product_images_status_chk" CHECK (status IN ('pending', 'ok', 'failed')),
        CONSTRAINT "product_images_position_chk" CHECK (position >= 0),
        CONSTRAINT "product_images_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "product_images_product_position_uq" ON "product_images" ("product_id", "position")`,
    );
    await q.query(`CREATE INDEX "product_images_status_idx" ON "product_images" ("status")`);

    await q.query(`
      CREATE TABLE "product_index_states" (
        "product_id" uuid NOT NULL,
        "model_id" character varying(200) NOT NULL,
        "status" character varying(16) NOT NULL,
        "vector_content_hash" character varying(64),
        "indexed_at" TIMESTAMP WITH TIME ZONE,
        "error" text,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "product_index_states_pk" PRIMARY KEY ("product_id", "model_id"),
        CONSTRAINT "product_index_states_status_chk" CHECK (status IN ('pending', 'indexed', 'failed')),
        CONSTRAINT "product_index_states_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE INDEX "product_index_states_model_status_idx" ON "product_index_states" ("model_id", "status")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "product_index_states"`);
    await q.query(`DROP TABLE "product_images"`);
    await q.query(`DROP TABLE "products"`);
  }
}
