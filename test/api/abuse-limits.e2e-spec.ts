import { Logger } from '@nestjs/common';
import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';

const KEY = 'k'.repeat(24) + '-0123456';
const WRONG_KEY = 'guess-7f3a9c-guess';
const METRICS_KEY = 'scrape-0123456789abcdef';

/** Rate limits, admin-auth throttling, security headers and operator endpoints, as an operator configures them. */
describe('abuse limits and operator endpoints (behind a trusted proxy)', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({
      env: {
        RATE_LIMIT_PER_MINUTE: '6',
        TRUST_PROXY: 'loopback',
        ADMIN_API_KEYS: KEY,
        ADMIN_AUTH_FAILURES_PER_MINUTE: '3',
        METRICS_API_KEY: METRICS_KEY,
        DOCS_PATH: 'ops/docs',
      },
    });
  }, 120_000);
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  /** A request from `client`, as the trusted proxy in front of the API reports it. */
  const from = (client: string) => ({
    search: () =>
      request(t.server)
        .post('/v1/search/text')
        .set('X-Forwarded-For', client)
        .send({ query: 'lamp', limit: 1 }),
    attributes: () =>
      request(t.server).get('/v1/products/no-such-product/attributes').set('X-Forwarded-For', client),
    similar: () =>
      request(t.server).get('/v1/products/no-such-product/similar').set('X-Forwarded-For', client),
  });

  it('counts one budget per client across all public routes, and sends the real reset time', async () => {
    const c = from('203.0.113.7');
    const answers = [
      await c.search(),
      await c.attributes(),
      await c.similar(),
      await c.search(),
      await c.attributes(),
      await c.similar(),
    ];
    // Six requests over three routes: each within the budget, each taking one from the same bucket.
    expect(answers.map((r) => r.status)).toEqual([200, 404, 404, 200, 404, 404]);
    expect(answers.map((r) => r.headers['ratelimit-remaining'])).toEqual(['5', '4', '3', '2', '1', '0']);
    expect(answers[0]?.headers['ratelimit-limit']).toBe('6');
    expect(answers[0]?.headers['ratelimit-policy']).toBe('6;w=60');

    // The seventh, on a route this client has used only twice, is refused: the limit is not per route.
    const refused = await c.search().expect(429);
    expect(refused.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('6 requests per minute'),
    });
    // Retry-After is when the block ends (a window of 60 s), not a token 1.
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-reset']).toBe(refused.headers['retry-after']);
    await c.attributes().expect(429);

    // Another client behind the same proxy has its own budget; probes are never limited.
    await from('203.0.113.8').search().expect(200);
    await request(t.server).get('/healthz').set('X-Forwarded-For', '203.0.113.7').expect(200);
  });

  it('throttles failed admin authentication per client and logs the address, never the key', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    const admin = (client: string, key?: string) => {
      const r = request(t.server).get('/v1/admin/jobs/no-such-job').set('X-Forwarded-For', client);
      return key === undefined ? r : r.set('X-Api-Key', key);
    };
    await admin('198.51.100.23', WRONG_KEY).expect(401);
    await admin('198.51.100.23').expect(401);
    await admin('198.51.100.23', WRONG_KEY).expect(401);
    // Three failures in a minute: this client is refused even with the right key, so guessing cannot go on.
    const blocked = await admin('198.51.100.23', KEY).expect(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(55);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Admins elsewhere are unaffected.
    await admin('198.51.100.24', KEY).expect(404);

    const auth = warnings.filter((w) => w.startsWith('admin authentication failed'));
    expect(auth).toHaveLength(3);
    expect(auth[0]).toContain('from 198.51.100.23 on GET /v1/admin/jobs/no-such-job');
    expect(auth[2]).toMatch(/admin routes refused to this client for \d+ s/);
    expect(warnings.join('\n')).not.toContain(WRONG_KEY);
  });

  it('sends security headers, with a Content-Security-Policy the Swagger UI can live with', async () => {
    const api = await request(t.server).get('/healthz').expect(200);
    expect(api.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000',
      'cross-origin-resource-policy': 'cross-origin',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
    });
    expect(api.headers['x-powered-by']).toBeUndefined();

    const page = await request(t.server).get('/ops/docs').expect(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    // Every script on the page loads from this server (an inline one would be blocked by script-src 'self').
    const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toMatch(/src=["'][^"']+["']/);
    for (const attrs of scripts) expect(attrs).not.toMatch(/src=["']https?:/);
    const init = await request(t.server).get('/ops/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"/v1/search/text"');
  });

  it('serves the docs only where DOCS_PATH says', async () => {
    await request(t.server).get('/ops/docs/openapi.json').expect(200);
    await request(t.server).get('/docs').expect(404);
    await request(t.server).get('/docs/openapi.json').expect(404);
  });

  it('serves /metrics only with the bearer token of METRICS_API_KEY', async () => {
    const scrape = (token?: string) => {
      const r = request(t.server).get('/metrics').set('X-Forwarded-For', '192.0.2.50');
      return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
    };
    const missing = await scrape().expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(missing.body.error.code).toBe('UNAUTHORIZED');
    expect(missing.text).not.toContain('vitrine_');
    await scrape('not-the-scrape-key').expect(401);
    const ok = await scrape(METRICS_KEY).expect(200);
    expect(ok.text).toContain('vitrine_http_request_duration_seconds');
  });
});

describe('abuse limits and operator endpoints (defaults of an API facing clients directly)', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({
      env: { RATE_LIMIT_PER_MINUTE: '3', DOCS_ENABLED: 'false', METRICS_ENABLED: 'false' },
    });
  }, 120_000);
  afterAll(() => t?.close());

  it('ignores X-Forwarded-For unless TRUST_PROXY is set: a client cannot buy a fresh budget per request', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(t.server)
        .get('/v1/products/no-such-product/similar')
        .set('X-Forwarded-For', `203.0.113.${100 + i}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
  });

  it('answers 404 for /docs and /metrics when they are turned off', async () => {
    await request(t.server).get('/docs').expect(404);
    await request(t.server).get('/docs/openapi.json').expect(404);
    const metrics = await request(t.server).get('/metrics').expect(404);
    expect(metrics.body.error.code).toBe('NOT_FOUND');
  });
});
