import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import request from 'supertest';
import { IndexStateRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { freePort, OwnRedis } from '../support/own-redis';
import { waitForIdle } from '../support/queue-idle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startApiApp, type ApiTestApp } from './api-app';

const KEY = 'k3y-for-outage-tests-0123456789';

const teapot = (sku: string, word: string) => ({
  sku,
  title: `${word} ceramic teapot`,
  description: 'A teapot only this test sells',
  brand: 'Testware',
  category: 'Kitchen',
  price: { amount: '19.90', currency: 'EUR' },
  attributes: { color: 'blue' },
  images: [],
});

async function upsertTimed(t: ApiTestApp, product: object): Promise<{ ms: number; body: { id: string } }> {
  const started = Date.now();
  const res = await request(t.server).post('/v1/admin/products').set('X-Api-Key', KEY).send(product);
  const ms = Date.now() - started;
  expect(res.status).toBe(200);
  return { ms, body: res.body as { id: string } };
}

/** The product's index state for the app's model (full-text search finds products before they are indexed). */
async function indexStatus(t: ApiTestApp, id: string): Promise<string | null> {
  if (t.config.database.kind !== 'postgres') throw new Error('these tests run on PostgreSQL');
  const pg = new Client({ connectionString: t.config.database.url });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ status: string }>(
      'SELECT status FROM product_index_states WHERE product_id = $1',
      [id],
    );
    return rows[0]?.status ?? null;
  } finally {
    await pg.end();
  }
}

async function eventuallyIndexed(t: ApiTestApp, id: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await indexStatus(t, id)) !== 'indexed') {
    if (Date.now() > end) throw new Error(`product ${id} was never indexed`);
    await sleep(200);
  }
}

/** Until the API's queue connection answers again (closing a BullMQ worker mid-reconnect can hang). */
async function queueReachable(t: ApiTestApp, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(t.server).get('/readyz');
    if ((res.body as { details?: { redis?: { reachable?: boolean } } }).details?.redis?.reachable) return;
    if (Date.now() > end) throw new Error('the queue never came back');
    await sleep(200);
  }
}

describe('admin writes while Redis is down (the index outbox)', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
  });
  afterAll(() => redis?.cleanup());

  describe('a Redis restart under a running API', () => {
    let t: ApiTestApp;
    beforeAll(async () => {
      redis.start();
      t = await startApiApp({ env: { ADMIN_API_KEYS: KEY, REDIS_URL: redis.url } });
    }, 120_000);
    afterAll(async () => {
      if (t) {
        redis.start();
        await queueReachable(t);
        await t.close();
      }
      redis.stop();
    }, 60_000);

    it('answers an upsert within 2 s while Redis is down, and the product is indexed once Redis is back', async () => {
      redis.stop();
      const { ms, body } = await upsertTimed(t, teapot('OUTAGE-1', 'Qwzyx'));
      expect(ms).toBeLessThan(2000);

      // The API stays in rotation and says where the work is.
      const ready = await request(t.server).get('/readyz').expect(200);
      expect(ready.body.details.redis).toMatchObject({ status: 'up', reachable: false });
      expect(ready.body.details.indexOutbox).toMatchObject({ status: 'up', pending: 1, queue: 'down' });
      const metricsStarted = Date.now();
      const metrics = await request(t.server).get('/metrics').expect(200);
      expect(Date.now() - metricsStarted).toBeLessThan(2000);
      expect(metrics.text).toMatch(/^vitrine_index_outbox_pending 1$/m);
      // What needs the queue itself refuses fast, with a time to come back.
      const reindexStarted = Date.now();
      const reindex = await request(t.server).post('/v1/admin/reindex').set('X-Api-Key', KEY);
      expect(Date.now() - reindexStarted).toBeLessThan(2000);
      expect(reindex.status).toBe(503);
      expect(reindex.headers['retry-after']).toBeDefined();
      await sleep(1000);
      expect(await indexStatus(t, body.id)).toBeNull();

      // Redis comes back empty (no persistence): the outbox still has the work.
      redis.start();
      await eventuallyIndexed(t, body.id);
      const after = await request(t.server).get('/readyz').expect(200);
      expect(after.body.details.indexOutbox).toMatchObject({ pending: 0, queue: 'up' });
      expect(after.body.details.redis).toMatchObject({ reachable: true });
    }, 90_000);
  });

  describe('an API restart between the write and the relay', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('outage');
    });
    afterAll(() => db?.drop());

    it('loses nothing: the next API relays what the first one wrote', async () => {
      // The first API's Redis never answers (nothing listens on its port): only the outbox can carry the work.
      const first = await startApiApp({
        env: {
          ADMIN_API_KEYS: KEY,
          DATABASE_URL: db.url,
          REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        },
        indexing: { role: 'producer' },
      });
      let id: string;
      try {
        const { ms, body } = await upsertTimed(first, teapot('RESTART-1', 'Vbnmq'));
        expect(ms).toBeLessThan(2000);
        id = body.id;
      } finally {
        await first.close();
      }
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM index_outbox');
        expect(Number(rows[0]!.n)).toBe(1);
      } finally {
        await pg.end();
      }

      // Without the boot-time catalog sync, so that the outbox alone has to bring the product to the index.
      const second = await startApiApp({
        env: { ADMIN_API_KEYS: KEY, DATABASE_URL: db.url },
        indexing: { syncAtBoot: false },
      });
      try {
        await eventuallyIndexed(second, id);
      } finally {
        await second.close();
      }
    }, 120_000);
  });
});

describe('the index outbox in embedded mode (PGlite, in-process queue)', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY, DATABASE_URL: '', REDIS_URL: '' } });
  }, 120_000);
  afterAll(() => t?.close());

  const state = (id: string) =>
    t.app.get(IndexStateRepository).get(id, t.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId);
  const vectors = async (id: string) => {
    const store = t.app.get<VectorStore>(VECTOR_STORE);
    return store.get(PRODUCTS_ALIAS, [id]);
  };

  it('indexes an admin upsert and removes a deleted product through the outbox, leaving it empty', async () => {
    const { body } = await upsertTimed(t, teapot('EMBEDDED-1', 'Plokm'));
    await waitForIdle(t.queue);
    expect(await state(body.id)).toMatchObject({ status: 'indexed' });
    expect(await vectors(body.id)).toHaveLength(1);

    await request(t.server).delete(`/v1/admin/products/${body.id}`).set('X-Api-Key', KEY).expect(200);
    await waitForIdle(t.queue);
    expect(await vectors(body.id)).toHaveLength(0);
    const ready = await request(t.server).get('/readyz').expect(200);
    expect(ready.body.details.indexOutbox).toMatchObject({ pending: 0, queue: 'up' });
  }, 60_000);
});
