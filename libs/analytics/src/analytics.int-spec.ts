import { randomUUID } from 'node:crypto';
import { createCatalogDataSource, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService } from './analytics.service';
import { ANALYTICS_MIGRATIONS } from './migrations/1765200000000-search-analytics';

describe('analytics on PostgreSQL', () => {
  let pg: TestDatabase;
  let db: CatalogDatabase;
  let analytics: AnalyticsService;
  let productId: string;

  beforeAll(async () => {
    pg = await createTestDatabase('analytics');
    db = await createCatalogDataSource(
      { kind: 'postgres', url: pg.url, poolSize: 2, queryTimeoutMs: 10_000 },
      { migrations: ANALYTICS_MIGRATIONS },
    );
    const products = new ProductRepository(db);
    const { changed } = await products.upsertMany([
      {
        sku: 'MUG-1',
        title: 'Red mug',
        description: null,
        brand: null,
        category: 'mugs',
        price: null,
        inStock: true,
        attributes: {},
        images: [],
      },
    ]);
    productId = changed[0]!.id;
    analytics = new AnalyticsService(new AnalyticsRepository(db), products, { flushIntervalMs: 60_000 });
  });

  afterAll(async () => {
    await analytics.onModuleDestroy();
    await db.close();
    await pg.drop();
  });

  it('counts searches by normalised query, their clicks, CTR, zero-result queries and events', async () => {
    const at = new Date();
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    analytics.recordSearch({ queryId: ids[0]!, kind: 'text', query: 'Red Mug', total: 4, at });
    analytics.recordSearch({ queryId: ids[1]!, kind: 'text', query: '  red   mug ', total: 4, at });
    analytics.recordSearch({ queryId: ids[2]!, kind: 'text', query: 'unicorn teapot', total: 0, at });
    analytics.recordSearch({ queryId: ids[3]!, kind: 'image', query: null, total: 9, at });
    await analytics.recordEvent({ type: 'click', productId, queryId: ids[0], position: 1 });
    await analytics.recordEvent({ type: 'click', productId, queryId: ids[0], position: 2 });
    await analytics.recordEvent({ type: 'add_to_cart', productId, queryId: ids[0] });

    const report = await analytics.report(7);
    expect(report.searches).toBe(4);
    expect(report.clickThroughRate).toBe(0.25);
    expect(report.topQueries).toEqual([
      { query: 'red mug', count: 2, clicks: 2, ctr: 0.5 },
      { query: 'unicorn teapot', count: 1, clicks: 0, ctr: 0 },
    ]);
    expect(report.zeroResultQueries).toEqual([{ query: 'unicorn teapot', count: 1 }]);
    expect(report.events).toEqual({ click: 2, add_to_cart: 1, purchase: 0 });
  });

  it('counts an event recorded in the very millisecond the report is asked for', async () => {
    const now = new Date();
    const before = (await analytics.report(7, now)).events.purchase;
    await analytics.recordEvent({ type: 'purchase', productId, at: now });
    expect((await analytics.report(7, now)).events.purchase).toBe(before + 1);
  });

  it('refuses an event for a product that does not exist', async () => {
    await expect(analytics.recordEvent({ type: 'purchase', productId: randomUUID() })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('purges rows past the retention', async () => {
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    analytics.recordSearch({ queryId: randomUUID(), kind: 'text', query: 'old', total: 1, at: old });
    await analytics.flush();
    expect(await new AnalyticsRepository(db).purgeOlderThan(30)).toBe(1);
    expect((await analytics.report(90)).topQueries.map((q) => q.query)).not.toContain('old');
  });
});
