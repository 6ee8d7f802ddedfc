/** How the API serves the web build: pages, hashed assets, the page CSP, and what happens without a build. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { buildWeb, WEB_DIST } from '../../apps/web/build';
import { WEB_DIRS } from '../../apps/api/src/web/web.controller';
import { WebModule } from '../../apps/api/src/web/web.module';
import { startApiApp, type ApiTestApp } from '../api/api-app';

describe('the API with a web build', () => {
  let t: ApiTestApp;
  let script: string;

  beforeAll(async () => {
    await buildWeb();
    script = readdirSync(join(WEB_DIST, 'assets')).find((f) => /^main-.*\.js$/.test(f))!;
    t = await startApiApp();
  }, 120_000);
  afterAll(() => t?.close());

  it.each(['/', '/products/2b0c6a4e-0000-4000-8000-000000000000', '/admin', '/admin/index'])(
    'answers %s with the app page, uncached, under a page CSP',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain(`<script type="module" src="/assets/${script}"></script>`);
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob: https:");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
    },
  );

  it('serves hashed assets with a year of immutable cache, and 404s names it did not build', async () => {
    const res = await request(t.server).get(`/assets/${script}`).expect(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await request(t.server).get('/assets/main-NOTBUILT.js').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    await request(t.server).get('/assets/..%2Fpackage.json').expect(404);
  });

  it('leaves the API, docs and probes alone: JSON, deny-all CSP, no page', async () => {
    const health = await request(t.server).get('/healthz').expect(200);
    expect(health.headers['content-type']).toMatch(/json/);
    expect(health.headers['content-security-policy']).toContain("default-src 'none'");
    const api = await request(t.server).get('/v1/no-such-route').expect(404);
    expect(api.body.error.code).toBe('NOT_FOUND');
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    await request(t.server).get('/docs/openapi.json').expect(200).expect('content-type', /json/);
  });
});

describe('the API without a web build', () => {
  let app: NestFastifyApplication;
  const empty = mkdtempSync(join(tmpdir(), 'vitrine-no-web-'));

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [WebModule] })
      .overrideProvider(WEB_DIRS)
      .useValue([empty])
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('tells a browser how to build the shop, with a 503 page', async () => {
    const res = await request(app.getHttpServer()).get('/').set('Accept', 'text/html').expect(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('npm run build:web');
  });

  it('answers other clients with the JSON error', async () => {
    const res = await request(app.getHttpServer())
      .get('/admin')
      .set('Accept', 'application/json')
      .expect(503);
    expect(res.body.error).toEqual({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('npm run build:web'),
      details: {},
    });
  });
});
