import { join } from 'node:path';
import request from 'supertest';
import { AnalyticsService } from '@vitrine/analytics';
import { DEMO_DIR, startApiApp, type ApiTestApp } from './api-app';

interface Card {
  id: string;
  sku: string;
  title: string;
  category: string | null;
  brand: string | null;
  price: { amount: string; currency: string } | null;
  inStock: boolean;
  score: number;
  highlights?: { title?: [number, number][]; description?: { text: string; ranges: [number, number][] } };
}
interface FacetValue {
  value: string | boolean;
  count: number;
  from?: number | null;
  to?: number | null;
  currency?: string;
}
interface Page {
  queryId: string;
  items: Card[];
  total: number;
  totalRelation: 'eq' | 'gte';
  nextCursor: string | null;
  facets?: Record<string, FacetValue[]>;
  didYouMean?: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}

const ADMIN_KEY = 'storefront-admin-k3y-0123';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Storefront behaviour of search and browse (issue 14) on the indexed demo catalog (EUR and USD prices). */
describe('storefront search and browse through HTTP on the demo catalog', () => {
  let t: ApiTestApp;
  const text = async (body: object, status = 200): Promise<Page> =>
    (await request(t.server).post('/v1/search/text').send(body).expect(status)).body as Page;
  const browse = async (query: string, status = 200): Promise<Page> =>
    (await request(t.server).get(`/v1/products?${query}`).expect(status)).body as Page;
  /** Every page of a search, following its cursors. */
  const allPages = async (body: object): Promise<{ first: Page; items: Card[] }> => {
    const first = await text(body);
    const items = [...first.items];
    for (let cursor = first.nextCursor; cursor;) {
      const next = await text({ ...body, cursor });
      items.push(...next.items);
      cursor = next.nextCursor;
    }
    return { first, items };
  };

  const analyticsReport = async () =>
    (await request(t.server).get('/v1/admin/analytics?days=1').set('X-Api-Key', ADMIN_KEY).expect(200))
      .body as {
      searches: number;
      topQueries: { query: string; count: number; clicks: number; ctr: number }[];
      zeroResultQueries: { query: string; count: number }[];
    };

  beforeAll(async () => {
    t = await startApiApp({ demoCatalog: true, env: { ADMIN_API_KEYS: ADMIN_KEY } });
  }, 300_000);
  afterAll(() => t?.close());

  it.each(['qwzx blorf', 'asdfgh', 'zxcvbnm qwerty'])(
    'answers a query nothing matches ("%s") with no items and total 0',
    async (query) => {
      const page = await text({ query, facets: ['category'] });
      expect(page).toMatchObject({ items: [], total: 0, totalRelation: 'eq', nextCursor: null });
      expect(page.queryId).toMatch(UUID);
      expect(page.facets).toEqual({ category: [] });
    },
  );

  it('keeps one queryId over the pages of a search and counts the search once in the analytics', async () => {
    const before = await analyticsReport();
    const first = await text({ query: 'fresh', limit: 5 });
    expect(first.queryId).toMatch(UUID);
    expect(first.nextCursor).not.toBeNull();
    const second = await text({ query: 'fresh', limit: 5, cursor: first.nextCursor });
    // A click on the second page names the search the shopper made, not a search of its own.
    expect(second.queryId).toBe(first.queryId);
    await request(t.server)
      .post('/v1/events')
      .send({ type: 'click', productId: second.items[0]!.id, queryId: second.queryId, position: 6 })
      .expect(202);
    const nonsense = await text({ query: 'vrool zyqxw' });
    expect(nonsense.total).toBe(0);
    await t.app.get(AnalyticsService).flush();

    const after = await analyticsReport();
    expect(after.searches - before.searches).toBe(2);
    expect(after.topQueries.find((q) => q.query === 'fresh')).toMatchObject({ count: 1, clicks: 1, ctr: 1 });
    expect(after.zeroResultQueries).toContainEqual({ query: 'vrool zyqxw', count: 1 });
  });

  it('counts "bouquet" results and their facets over every page, not the first one', async () => {
    const facets = ['category', 'brand', 'inStock', 'price', 'colour'];
    const { first, items } = await allPages({ query: 'bouquet', limit: 2, facets });
    expect(first.total).toBeGreaterThanOrEqual(1);
    expect(first.totalRelation).toBe('eq');
    expect(items).toHaveLength(first.total);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(items.map((i) => i.sku)).toContain('VT-GAR-01000');
    const count = (key: (c: Card) => string | boolean | null) => {
      const m = new Map<string | boolean, number>();
      for (const c of items) {
        const k = key(c);
        if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
      }
      return m;
    };
    const asMap = (vs: FacetValue[] | undefined) => new Map(vs!.map((v) => [v.value, v.count]));
    expect(asMap(first.facets!.category)).toEqual(count((c) => c.category));
    expect(asMap(first.facets!.brand)).toEqual(count((c) => c.brand));
    expect(asMap(first.facets!.inStock)).toEqual(count((c) => c.inStock));
    const priced = items.filter((c) => c.price).length;
    expect(first.facets!.price!.reduce((n, v) => n + v.count, 0)).toBe(priced);
    for (const v of first.facets!.price!) {
      const inRange = items.filter(
        (c) =>
          c.price?.currency === v.currency &&
          Number(c.price?.amount) >= v.from! &&
          (v.to === null || Number(c.price?.amount) < v.to!),
      );
      expect(v.count).toBe(inRange.length);
    }
    expect(first.facets!.colour).toEqual(expect.any(Array));
    // Highlights: the word in the title of the bouquet.
    const bouquet = items.find((i) => i.sku === 'VT-GAR-01000')!;
    const [a, b] = bouquet.highlights!.title![0]!;
    expect(bouquet.title.slice(a, b).toLowerCase()).toBe('bouquet');
  });

  it('sorts relevant results by price, cheapest first, on every page', async () => {
    const { first, items } = await allPages({
      query: 'fruit',
      limit: 7,
      sort: 'price_asc',
      filters: { currency: 'EUR' },
    });
    expect(first.total).toBeGreaterThan(7);
    const amounts = items.map((i) => Number(i.price!.amount));
    expect(amounts).toEqual([...amounts].sort((x, y) => x - y));
    const desc = await text({ query: 'fruit', limit: 5, sort: 'price_desc', filters: { currency: 'EUR' } });
    expect(Number(desc.items[0]!.price!.amount)).toBe(Math.max(...amounts));
  });

  it('filters categories without case, in search and browse', async () => {
    const page = await text({ query: 'flower', limit: 50, filters: { category: 'garden & plants' } });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((c) => c.category === 'Garden & Plants')).toBe(true);
    const browsed = await browse('category=GARDEN%20%26%20PLANTS&limit=100&facets=category');
    expect(browsed.total).toBe(21);
    expect(browsed.items.every((c) => c.category === 'Garden & Plants')).toBe(true);
    expect(browsed.facets).toEqual({ category: [{ value: 'Garden & Plants', count: 21 }] });
  });

  it('browses with filters, an order, facets and cursors', async () => {
    const q =
      'category=Food,Drinks&inStock=true&priceMax=5&currency=EUR&sort=price_asc&limit=10&facets=category,inStock';
    const first = await browse(q);
    expect(first.totalRelation).toBe('eq');
    expect(first.items).toHaveLength(10);
    const items = [...first.items];
    for (let cursor = first.nextCursor; cursor;) {
      const next = await browse(`${q}&cursor=${encodeURIComponent(cursor)}`);
      items.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(items).toHaveLength(first.total);
    for (const c of items) {
      expect(['Food', 'Drinks']).toContain(c.category);
      expect(c.inStock).toBe(true);
      expect(c.price!.currency).toBe('EUR');
      expect(Number(c.price!.amount)).toBeLessThanOrEqual(5);
      expect(c.score).toBe(0);
    }
    const amounts = items.map((i) => Number(i.price!.amount));
    expect(amounts).toEqual([...amounts].sort((x, y) => x - y));
    expect(first.facets!.inStock).toEqual([{ value: true, count: first.total }]);
    // An attribute filter by query parameter, compared without case.
    const red = await browse('attr.color=RED&limit=100');
    expect(red.total).toBeGreaterThan(0);
    expect(red.items.length).toBe(red.total);
  });

  it('asks for a currency when a price range names none in a catalog priced in EUR and USD', async () => {
    const res = (await text({ query: 'fruit', filters: { price: { max: 5 } } }, 400)) as unknown as ErrorBody;
    expect(res.error.message).toContain('name a currency: this catalog prices in EUR, USD');
    const b = (await browse('priceMax=5', 400)) as unknown as ErrorBody;
    expect(b.error.message).toContain('EUR, USD');
  });

  it('refuses an unknown facet and an unknown sort, naming them', async () => {
    const res = (await text(
      { query: 'fruit', facets: ['category', 'flavour'] },
      400,
    )) as unknown as ErrorBody;
    expect(res.error.message).toContain('"flavour"');
    const s = (await text({ query: 'fruit', sort: 'cheapest' }, 400)) as unknown as ErrorBody;
    expect(s.error.code).toBe('VALIDATION_FAILED');
    const b = (await browse('facets=category,flavour', 400)) as unknown as ErrorBody;
    expect(b.error.message).toContain('"flavour"');
  });

  it('continues an image search from its cursor alone, in the order of one longer page', async () => {
    const upload = (limit: number) =>
      request(t.server)
        .post('/v1/search/image')
        .attach('image', join(DEMO_DIR, 'queries/red-apple.png'))
        .field('limit', String(limit))
        .field('filters', JSON.stringify({ inStock: true }))
        .field('facets', 'category')
        .expect(200);
    const first = (await upload(5)).body as Page;
    const long = (await upload(10)).body as Page;
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await request(t.server)
        .post('/v1/search/image')
        .send({ cursor: first.nextCursor, limit: 5 })
        .expect(200)
    ).body as Page;
    // The cursor carries the picture's embedding and the first page's filters and facets.
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(long.items.map((i) => i.id));
    expect(second.items.every((i) => i.inStock)).toBe(true);
    expect(second.facets!.category).toEqual(first.facets!.category);
    // Options stated again must be the same search's.
    await request(t.server)
      .post('/v1/search/image')
      .send({ cursor: first.nextCursor, filters: { inStock: false } })
      .expect(400);
    // A text cursor is not an image cursor.
    const textPage = await text({ query: 'fruit', limit: 1 });
    await request(t.server)
      .post('/v1/search/image')
      .send({ cursor: textPage.nextCursor, limit: 1 })
      .expect(400);
  });
});
