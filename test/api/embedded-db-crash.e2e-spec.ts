import request from 'supertest';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { crashPglite } from '../support/pglite-crash';
import { startApiApp, type ApiTestApp } from './api-app';

/** A request that has not answered by then counts as hung (before the fix: forever). */
const HUNG_MS = 10_000;

/**
 * Embedded mode: PGlite itself fails (its backend exits on a malformed startup packet, as it could on an internal
 * error). Before, pglite-socket's query queue stayed locked and every search hung forever while /readyz timed out.
 */
describe('embedded database crash through HTTP', () => {
  let t: ApiTestApp;
  let db: CatalogDatabase;

  beforeAll(async () => {
    t = await startApiApp({ env: { DATABASE_URL: '', REDIS_URL: '' } });
    db = t.app.get<CatalogDatabase>(CATALOG_DATABASE);
  }, 120_000);
  afterAll(() => t?.close());

  const search = () =>
    request(t.server).post('/v1/search/text').send({ query: 'red apple' }).timeout(HUNG_MS);

  it('answers 503 within seconds while PGlite restarts, then 200 again with /readyz back up', async () => {
    await search().expect(200);
    const embedded = db.embedded;
    if (!embedded) throw new Error('expected embedded mode');

    await crashPglite(embedded.connection);
    const started = Date.now();
    const during = await search();
    expect({
      status: during.status,
      code: (during.body as { error?: { code?: string } }).error?.code,
    }).toEqual({
      status: 503,
      code: 'UNAVAILABLE',
    });
    expect(during.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(5000);

    // Repaired without a restart of the process: the same app answers again.
    const deadline = Date.now() + 60_000;
    let after = await search().ok(() => true);
    while (after.status !== 200 && Date.now() < deadline) {
      expect(after.status).toBe(503);
      await new Promise((r) => setTimeout(r, 200));
      after = await search().ok(() => true);
    }
    expect(after.status).toBe(200);
    // What an operator sees: ready again, and the crash and its repair counted.
    const ready = await request(t.server).get('/readyz').timeout(HUNG_MS).expect(200);
    expect((ready.body as { info: Record<string, unknown> }).info.database).toEqual({
      status: 'up',
      kind: 'pglite',
      state: 'up',
      crashes: 1,
      restarts: 1,
    });
    const metrics = await request(t.server).get('/metrics').timeout(HUNG_MS).expect(200);
    expect(metrics.text).toContain('vitrine_embedded_database_events{event="crashes"} 1');
    expect(metrics.text).toContain('vitrine_embedded_database_events{event="restarts"} 1');
  }, 90_000);
});
