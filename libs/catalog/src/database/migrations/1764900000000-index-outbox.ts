import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The index outbox: every catalog change leaves a row here in the same transaction as the change itself, and a
 * relay (libs/indexing) moves rows to the job queue, deleting them only once the queue has accepted the job. So a
 * queue outage or a restart between the write and the enqueue loses no index work. No foreign key to products: a
 * delete's row must outlive the product it removes. `claimed_until` is a relay's lease on a row (NULL: free).
 */
export class IndexOutbox1764900000000 implements MigrationInterface {
  name = 'IndexOutbox1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "index_outbox" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "product_id" uuid NOT NULL,
        "kind" varchar(16) NOT NULL,
        "content_hash" varchar(64),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "attempts" integer NOT NULL DEFAULT 0,
        "claimed_until" timestamptz,
        CONSTRAINT "index_outbox_pk" PRIMARY KEY ("id"),
        CONSTRAINT "index_outbox_kind_chk" CHECK (
          ("kind" = 'index' AND "content_hash" IS NOT NULL) OR ("kind" = 'delete' AND "content_hash" IS NULL)
        )
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "index_outbox"`);
  }
}
