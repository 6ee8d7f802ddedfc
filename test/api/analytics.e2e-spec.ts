import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { AnalyticsService } from '@vitrine/analytics';
import { startApiApp, type ApiTestApp } from './api-app';

const KEY = 'analytics-k3y-0123456789';

describe('storefront events and search analytics through HTTP', () => {
  let t: ApiTestApp;
  let productId: string;
  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY } });
    const created = await request(t.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send({ sku: 'AN-MUG-1', title: 'Analytics mug', images: [] })
      .expect(200);
    productId = created.body.id as string;
  }, 120_000);
  afterAll(() => t?.close());

  const report = async (days = 7) =>
    (await request(t.server).get(`/v1/admin/analytics?days=${days}`).set('X-Api-Key', KEY).expect(200))
      .body as {
      searches: number;
      clickThroughRate: number | null;
      topQueries: { query: string; count: number; clicks: number; ctr: number }[];
      zeroResultQueries: { query: string; count: number }[];
      events: Record<string, number>;
    };

  it('reports no CTR before any search rather than inventing one', async () => {
    const r = await report();
    expect(r).toMatchObject({ searches: 0, clickThroughRate: null, topQueries: [], zeroResultQueries: [] });
    expect(r.events).toEqual({ click: 0, add_to_cart: 0, purchase: 0 });
  });

  it('counts the searches recorded and the clicks reported on them', async () => {
    const analytics = t.app.get(AnalyticsService);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const at = new Date();
    analytics.recordSearch({ queryId: a, kind: 'text', query: 'Blue Mug', total: 3, at });
    analytics.recordSearch({ queryId: b, kind: 'text', query: ' blue  mug', total: 3, at });
    analytics.recordSearch({ queryId: c, kind: 'text', query: 'gold teapot', total: 0, at });

    const click = await request(t.server)
      .post('/v1/events')
      .send({ type: 'click', productId, queryId: a, position: 1 })
      .expect(202);
    expect(click.body).toEqual({ accepted: true });
    await request(t.server)
      .post('/v1/events')
      .send({ type: 'add_to_cart', productId, queryId: a })
      .expect(202);
    await request(t.server).post('/v1/events').send({ type: 'purchase', productId }).expect(202);

    const r = await report();
    expect(r.searches).toBe(3);
    expect(r.clickThroughRate).toBeCloseTo(1 / 3, 3);
    expect(r.topQueries).toEqual([
      { query: 'blue mug', count: 2, clicks: 1, ctr: 0.5 },
      { query: 'gold teapot', count: 1, clicks: 0, ctr: 0 },
    ]);
    expect(r.zeroResultQueries).toEqual([{ query: 'gold teapot', count: 1 }]);
    expect(r.events).toEqual({ click: 1, add_to_cart: 1, purchase: 1 });
  });

  it.each([
    [{ type: 'view', productId: randomUUID() }, 'type'],
    [{ type: 'click' }, 'productId'],
    [{ type: 'click', productId: 'abc' }, 'productId'],
    [{ type: 'click', productId: randomUUID(), queryId: 'q-1' }, 'queryId'],
    [{ type: 'click', productId: randomUUID(), position: 0 }, 'position'],
  ])('POST /v1/events refuses %j with a 400 naming %s', async (body, field) => {
    const res = await request(t.server).post('/v1/events').send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(field);
  });

  it('POST /v1/events answers 404 for a product that does not exist', async () => {
    const res = await request(t.server)
      .post('/v1/events')
      .send({ type: 'click', productId: randomUUID() })
      .expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('GET /v1/admin/analytics needs the key and a days value from 1 to 90', async () => {
    await request(t.server).get('/v1/admin/analytics').expect(401);
    for (const days of ['0', '91', 'week']) {
      const res = await request(t.server).get(`/v1/admin/analytics?days=${days}`).set('X-Api-Key', KEY);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('days');
    }
  });
});

describe('searches recorded just before a clean stop', () => {
  it('are written before the database connection closes', async () => {
    const t = await startApiApp();
    const url = t.config.database.kind === 'postgres' ? t.config.database.url : '';
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const queryId of ids)
      t.app
        .get(AnalyticsService)
        .recordSearch({ queryId, kind: 'text', query: 'last words', total: 1, at: new Date() });
    await t.app.close();
    const pg = new Client({ connectionString: url });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM search_queries WHERE query_id = ANY($1::uuid[])',
        [ids],
      );
      expect(Number(rows[0]!.n)).toBe(3);
    } finally {
      await pg.end();
      await t.close();
    }
  }, 120_000);
});

describe('POST /v1/events under the public rate limit', () => {
  it('counts against the same per-client bucket as search (429 past RATE_LIMIT_PER_MINUTE)', async () => {
    const t = await startApiApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const event = { type: 'click', productId: randomUUID() };
      await request(t.server).post('/v1/search/text').send({ query: 'mug' }).expect(200);
      for (let i = 0; i < 2; i++) await request(t.server).post('/v1/events').send(event).expect(404);
      const limited = await request(t.server).post('/v1/events').send(event);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  }, 120_000);
});
