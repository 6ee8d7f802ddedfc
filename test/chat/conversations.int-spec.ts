import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createCatalogDataSource, type CatalogDatabase } from '@vitrine/catalog';
import { ASSISTANT_MIGRATIONS, ConversationRepository, initialState } from '@vitrine/assistant';
import { CATALOG_BACKENDS, copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../support/catalog-db';
import { createTestDatabase } from '../support/database';

async function open(
  backend: (typeof CATALOG_BACKENDS)[number],
): Promise<{ db: CatalogDatabase; close(): Promise<void> }> {
  if (backend === 'postgres') {
    const database = await createTestDatabase('chat');
    const db = await createCatalogDataSource(
      { kind: 'postgres', url: database.url, poolSize: 4 },
      { migrations: ASSISTANT_MIGRATIONS },
    );
    return { db, close: async () => (await db.close(), await database.drop()) };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-chat-pglite-'));
  const dir = path.join(root, 'data');
  await copyPgliteTemplate(dir);
  const db = await createCatalogDataSource({ kind: 'pglite', dir }, { migrations: ASSISTANT_MIGRATIONS });
  return { db, close: async () => (await db.close(), fs.rmSync(root, { recursive: true, force: true })) };
}

describe.each(CATALOG_BACKENDS)('conversations on %s', (backend) => {
  let store: { db: CatalogDatabase; close(): Promise<void> };
  let conversations: ConversationRepository;

  beforeAll(async () => {
    store = await open(backend);
    conversations = new ConversationRepository(store.db, 30);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => store?.close());

  it('stores the state and the turns in order, concurrent turns numbered one after another', async () => {
    const id = randomUUID();
    const state = { ...initialState('en'), filters: { category: 'Shoes', price: { max: 50 } } };
    await conversations.append(id, state, [
      { role: 'user', message: 'shoes under 50' },
      { role: 'assistant', message: 'Here are…', payload: { products: [] } },
    ]);
    await Promise.all(
      [1, 2, 3].map((n) => conversations.append(id, state, [{ role: 'user', message: `turn ${n}` }])),
    );
    expect(await conversations.state(id)).toEqual(state);
    const turns = (await conversations.turns(id))!;
    expect(turns.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(turns[1]).toMatchObject({ role: 'assistant', message: 'Here are…', payload: { products: [] } });
    expect(
      turns
        .slice(2)
        .map((t) => t.message)
        .sort(),
    ).toEqual(['turn 1', 'turn 2', 'turn 3']);
  });

  it('forgets a conversation on delete, and treats one past its retention as gone until purged', async () => {
    const kept = randomUUID();
    const old = randomUUID();
    for (const id of [kept, old])
      await conversations.append(id, initialState('zh'), [{ role: 'user', message: '你好' }]);
    await store.db.dataSource.query(
      `UPDATE chat_conversations SET updated_at = now() - interval '31 days' WHERE id = $1`,
      [old],
    );
    expect(await conversations.state(old)).toBeNull();
    expect(await conversations.turns(old)).toBeNull();
    expect(await conversations.purgeOlderThan(30)).toBe(1);
    const left = await store.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM chat_turns WHERE conversation_id = $1`,
      [old],
    );
    expect(left[0]!.n).toBe(0);

    expect(await conversations.delete(kept)).toBe(true);
    expect(await conversations.delete(kept)).toBe(false);
    expect(await conversations.turns(kept)).toBeNull();
    expect(await conversations.state('not-a-uuid')).toBeNull();
  });
});
