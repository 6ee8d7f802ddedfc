import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shopping-assistant conversations: one row per conversation with its dialogue state (filters in force, products
 * last shown), and its turns in order. Turns go with their conversation; conversations are deleted after
 * `CHAT_RETENTION_DAYS` without a turn (`updated_at`). Products are referred to by id inside the JSON only: a
 * deleted product simply drops out of later turns.
 */
export class ChatConversations1765000000000 implements MigrationInterface {
  name = 'ChatConversations1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS "chat_conversations" (
        "id" uuid PRIMARY KEY,
        "state" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "chat_conversations_updated_idx" ON "chat_conversations" ("updated_at")`,
    );
    await q.query(`
      CREATE TABLE IF NOT EXISTS "chat_turns" (
        "conversation_id" uuid NOT NULL REFERENCES "chat_conversations" ("id") ON DELETE CASCADE,
        "seq" integer NOT NULL,
        "role" varchar(16) NOT NULL,
        "message" text NOT NULL,
        "payload" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "chat_turns_pk" PRIMARY KEY ("conversation_id", "seq"),
        CONSTRAINT "chat_turns_role_chk" CHECK ("role" IN ('user', 'assistant'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "chat_turns"`);
    await q.query(`DROP TABLE "chat_conversations"`);
  }
}

/** The assistant library's migrations: pass them to `CatalogModule.forRoot({ migrations })`. */
export const ASSISTANT_MIGRATIONS = [ChatConversations1765000000000];
