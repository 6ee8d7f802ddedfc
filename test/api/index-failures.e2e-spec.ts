import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';
import { waitForIdle } from '../support/queue-idle';

const KEY = 'k3y-for-index-failures-0123456789';

interface FailuresBody {
  modelId: string;
  total: number;
  limit: number;
  offset: number;
  items: { productId: string; sku: string; title: string; reason: string; failedAt: string }[];
  nextOffset?: number;
}

describe('GET /v1/admin/index/failures: products that could not be indexed, and why', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY } });
    const upsert = (sku: string, images: string[]) =>
      request(t.server)
        .post('/v1/admin/products')
        .set('X-Api-Key', KEY)
        .send({ sku, title: `Product ${sku}`, images })
        .expect(200);
    // Pictures on private addresses are refused by the fetcher's address policy: a permanent failure each.
    for (const n of [1, 2, 3]) await upsert(`FAIL-${n}`, [`https://10.0.0.${n}/picture.png`]);
    await upsert('NO-PICTURE', []);
    await waitForIdle(t.queue);
  }, 120_000);
  afterAll(() => t?.close());

  const list = (query: string, key: string | null = KEY) => {
    const r = request(t.server).get(`/v1/admin/index/failures${query}`);
    return key === null ? r : r.set('X-Api-Key', key);
  };

  it('counts the failed products in /metrics, where the failed one-product jobs are not kept', async () => {
    const metrics = await request(t.server).get('/metrics').expect(200);
    expect(metrics.text).toContain('vitrine_index_products{state="failed"} 3');
    expect(metrics.text).toContain('vitrine_index_products{state="indexed"} 1');
  });

  it('refuses a missing or wrong key', async () => {
    expect((await list('', null)).status).toBe(401);
    expect((await list('', `${KEY}x`)).status).toBe(401);
  });

  it('lists each failed product with the reason of its last attempt, a page at a time', async () => {
    const first = (await list('?limit=2').expect(200)).body as FailuresBody;
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0, nextOffset: 2 });
    expect(first.modelId).toMatch(/^vitrine-demo-clip@/);
    expect(first.items).toHaveLength(2);
    for (const f of first.items) {
      expect(f.sku).toMatch(/^FAIL-\d$/);
      expect(f.reason).toMatch(/^FETCH_FORBIDDEN: /);
      expect(Date.parse(f.failedAt)).not.toBeNaN();
    }
    const rest = (await list('?limit=2&offset=2').expect(200)).body as FailuresBody;
    expect(rest).toMatchObject({ total: 3, offset: 2 });
    expect(rest.nextOffset).toBeUndefined();
    expect([...first.items, ...rest.items].map((f) => f.sku).sort()).toEqual(['FAIL-1', 'FAIL-2', 'FAIL-3']);
    const all = (await list('').expect(200)).body as FailuresBody;
    expect(all).toMatchObject({ total: 3, limit: 50, offset: 0 });
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=1.5', 'limit'],
    ['?limit=abc', 'limit'],
    ['?offset=-1', 'offset'],
    ['?offset=10000001', 'offset'],
    ['?page=2', 'page'],
  ])('answers 400 naming the parameter for %s', async (query, field) => {
    const res = await list(query).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(field);
  });

  it('is in the OpenAPI document with its bounds', async () => {
    const doc = (await request(t.server).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, { get?: { parameters: { name: string; schema: object }[]; responses: object } }>;
    };
    const op = doc.paths['/v1/admin/index/failures']?.get;
    expect(op).toBeDefined();
    const params = Object.fromEntries(op!.parameters.map((p) => [p.name, p.schema]));
    expect(params.limit).toMatchObject({ minimum: 1, maximum: 500 });
    expect(params.offset).toMatchObject({ minimum: 0, maximum: 10_000_000 });
    expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
  });

  it('a full reindex over REINDEX_MAX_FAILED_RATIO fails with the reason and search keeps its collection', async () => {
    const started = await request(t.server).post('/v1/admin/reindex').set('X-Api-Key', KEY).expect(202);
    await waitForIdle(t.queue);
    const progress = await request(t.server)
      .get(started.body.progressUrl as string)
      .set('X-Api-Key', KEY)
      .expect(200);
    expect(progress.body).toMatchObject({ state: 'failed', total: 4, done: 4, failed: 3 });
    expect(progress.body.failedReason).toMatch(
      /^TOO_MANY_FAILURES: 3 of 4 products \(75%\) could not be indexed/,
    );
    const hits = await request(t.server)
      .post('/v1/search/text')
      .send({ query: 'Product NO-PICTURE' })
      .expect(200);
    expect((hits.body as { items: { sku: string }[] }).items.map((i) => i.sku)).toContain('NO-PICTURE');
  }, 60_000);
});
