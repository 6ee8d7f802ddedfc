import type { DataSource } from 'typeorm';
import { sql, type CatalogDatabase, type JsonValue } from '@vitrine/catalog';
import type { DialogueState } from '../dialogue/state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A conversation within its retention (`$2` = days). */
const LIVE = `updated_at >= now() - make_interval(days => $2)`;

export type TurnRole = 'user' | 'assistant';

/** One stored turn: what was said, and what the assistant showed (products, filters, answer) as JSON. */
export interface StoredTurn {
  readonly seq: number;
  readonly role: TurnRole;
  readonly message: string;
  readonly payload: { readonly [key: string]: JsonValue };
  readonly createdAt: Date;
}

export interface NewTurn {
  readonly role: TurnRole;
  readonly message: string;
  readonly payload?: { readonly [key: string]: JsonValue };
}

interface TurnRow {
  seq: number;
  role: TurnRole;
  message: string;
  payload: { [key: string]: JsonValue };
  created_at: Date;
}

/**
 * Conversations and their turns (`chat_conversations`, `chat_turns`: this library's tables, on the catalog's
 * connection). Ids that are not uuids name no conversation.
 */
export class ConversationRepository {
  private readonly dataSource: DataSource;

  /** @param retentionDays conversations without a turn for longer are gone (read as absent until purged). */
  constructor(
    db: CatalogDatabase,
    private readonly retentionDays: number,
  ) {
    this.dataSource = db.dataSource;
  }

  /** The dialogue state of a conversation, or null when there is none (never was, forgotten, or expired). */
  async state(id: string): Promise<DialogueState | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.dataSource.query<{ state: DialogueState }[]>(
      `SELECT state FROM chat_conversations WHERE id = $1 AND ${LIVE}`,
      [id, this.retentionDays],
    );
    return rows[0]?.state ?? null;
  }

  /**
   * Stores the new state and appends turns, creating the conversation if needed, in one transaction: the
   * conversation's row is locked first, so concurrent turns of one conversation are numbered one after another.
   */
  async append(id: string, state: DialogueState, turns: readonly NewTurn[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO chat_conversations (id, state) VALUES ($1, $2::jsonb)
         ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
        [id, JSON.stringify(state)],
      );
      const rows = await m.query<{ last: number }[]>(
        `SELECT COALESCE(MAX(seq), 0)::int AS last FROM chat_turns WHERE conversation_id = $1`,
        [id],
      );
      let seq = Number(rows[0]?.last ?? 0);
      for (const turn of turns) {
        seq += 1;
        await m.query(
          `INSERT INTO chat_turns (conversation_id, seq, role, message, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`,
          [id, seq, turn.role, turn.message, JSON.stringify(turn.payload ?? {})],
        );
      }
    });
  }

  /** The turns of a conversation in order, or null when there is no such conversation. */
  async turns(id: string): Promise<StoredTurn[] | null> {
    if (!UUID.test(id)) return null;
    const exists = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM chat_conversations WHERE id = $1 AND ${LIVE}`,
      [id, this.retentionDays],
    );
    if (exists.length === 0) return null;
    const rows = await this.dataSource.query<TurnRow[]>(
      `SELECT seq, role, message, payload, created_at FROM chat_turns WHERE conversation_id = $1 ORDER BY seq`,
      [id],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      role: r.role,
      message: r.message,
      payload: r.payload,
      createdAt: new Date(r.created_at),
    }));
  }

  /** Forgets a conversation and its turns; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.affected(`DELETE FROM chat_conversations WHERE id = $1`, [id])) > 0;
  }

  /** Deletes conversations without a turn for `days` days; returns how many. */
  async purgeOlderThan(days: number): Promise<number> {
    return this.affected(
      `DELETE FROM chat_conversations WHERE updated_at < now() - make_interval(days => $1)`,
      [days],
    );
  }

  /** Rows a write touched. */
  private async affected(text: string, params: readonly unknown[]): Promise<number> {
    return (await sql(this.dataSource, text, params)).count;
  }
}
