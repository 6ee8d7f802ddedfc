import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';

describe('service qualities through HTTP', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({ env: { RATE_LIMIT_PER_MINUTE: '5', CORS_ORIGINS: 'https://shop.example' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('answers liveness and readiness naming each dependency', async () => {
    await request(t.server).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(t.server).get('/readyz').expect(200);
    expect(ready.body.details).toMatchObject({
      database: { status: 'up', kind: 'postgres' },
      redis: { status: 'up', kind: 'redis' },
      vectorStore: { status: 'up' },
      model: { status: 'up', modelId: expect.stringMatching(/^vitrine-demo-clip@/), dim: 256 },
    });
  });

  it('serves the OpenAPI document generated from the DTOs, and the interactive docs', async () => {
    const doc = await request(t.server).get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths as Record<string, unknown>)).toEqual(
      expect.arrayContaining([
        '/v1/search/text',
        '/v1/search/image',
        '/v1/products/{id}/similar',
        '/v1/products/{id}/images/{position}',
        '/v1/admin/products',
        '/v1/admin/reindex',
        '/v1/admin/jobs/{id}/events',
      ]),
    );
    expect(doc.body.components.schemas.TextSearchDto.required).toEqual(['query']);
    expect(doc.body.components.schemas.SearchFiltersDto.properties).toHaveProperty('price');
    const html = await request(t.server).get('/docs').expect(200);
    expect(html.text).toContain('swagger');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await request(t.server).get('/healthz').set('X-Request-Id', 'abc-123').expect(200);
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await request(t.server)
      .get('/healthz')
      .set('X-Request-Id', 'bad id with spaces')
      .expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('allows the configured CORS origin only', async () => {
    const ok = await request(t.server)
      .options('/v1/search/text')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await request(t.server).get('/healthz').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rate-limits public search per client with a 429 in the error shape, but not health checks', async () => {
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await request(t.server).post('/v1/search/text').send({ query: 'apple', limit: 1 });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(limited?.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('5 requests per minute'),
    });
    expect(limited?.headers['retry-after']).toEqual(expect.any(String));
    await request(t.server).get('/healthz').expect(200);
  });

  it('exposes Prometheus metrics: request latency per route, embedding batch sizes, queue depth', async () => {
    const metrics = await request(t.server).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(
      /vitrine_http_request_duration_seconds_bucket\{.*route="\/v1\/search\/text".*status="200"/,
    );
    expect(metrics.text).toMatch(
      /vitrine_embedding_batch_size_count\{kind="text",source="coalesced"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/vitrine_indexing_queue_jobs\{state="waiting"\} \d+/);
    expect(metrics.text).toMatch(/vitrine_query_embedding_cache\{kind="hits"\} [1-9]/);
    expect(metrics.text).toMatch(/vitrine_search_stage_seconds_count\{kind="text",stage="embed"\} [1-9]/);
  });

  it('refuses admin routes when no admin key is configured', async () => {
    const res = await request(t.server).post('/v1/admin/reindex').set('X-Api-Key', 'anything').expect(401);
    expect(res.body.error.message).toMatch(/admin API is disabled/);
  });
});
