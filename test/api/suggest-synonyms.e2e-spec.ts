import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';

interface Card {
  id: string;
  sku: string;
  title: string;
  highlights?: { title?: [number, number][] };
  explain?: { firstStage: { ranks: Record<string, number> } };
}
interface Page {
  items: Card[];
  total: number;
  correctedQuery?: string;
  didYouMean?: string;
}
interface SynonymSet {
  id: string;
  terms: string[];
}

const KEY = 'synonyms-test-key';
const RUNNING_SHOE = 'VT-SHO-01296'; // "Metro Running Shoe": no demo product says sneaker or trainer
const GUITAR = 'VT-MUS-01322';
const T_SHIRT = 'VT-CLO-01274';

describe('query understanding through HTTP on the demo catalog: typos, synonyms, suggestions', () => {
  let t: ApiTestApp;
  const search = async (query: string, limit = 10): Promise<Page> =>
    (await request(t.server).post('/v1/search/text').send({ query, limit, explain: true }).expect(200))
      .body as Page;
  const suggest = (q: string, limit?: number) =>
    request(t.server)
      .get('/v1/suggest')
      .query(limit === undefined ? { q } : { q, limit });
  const admin = (method: 'get' | 'post' | 'put' | 'delete', path: string) =>
    request(t.server)[method](`/v1/admin/synonyms${path}`).set('X-Api-Key', KEY);
  const lexicalRank = (page: Page, sku: string) =>
    page.items.find((c) => c.sku === sku)?.explain?.firstStage.ranks.lexical;

  beforeAll(async () => {
    t = await startApiApp({
      demoCatalog: true,
      env: { ADMIN_API_KEYS: KEY, CORS_ORIGINS: 'https://admin.example' },
    });
  }, 300_000);
  afterAll(() => t?.close());

  describe('GET /v1/suggest', () => {
    it('completes "gui" with guitar first, case- and accent-insensitively', async () => {
      const res = await suggest('gui').expect(200);
      const { suggestions } = res.body as { suggestions: { text: string; type: string }[] };
      expect(suggestions[0]).toEqual({ text: 'guitar', type: 'title' });
      expect(suggestions).toContainEqual({ text: 'Vintage Guitar', type: 'title' });
      expect(suggestions.length).toBeLessThanOrEqual(8);
      expect((await suggest('GUÌ').expect(200)).body).toEqual(res.body);
    });

    it('completes the terms of the synonym sets, which find products through their set', async () => {
      const res = await suggest('sne').expect(200);
      expect((res.body as { suggestions: unknown[] }).suggestions).toEqual([
        { text: 'sneaker', type: 'query' },
      ]);
    });

    it('names brands and categories as such, and honours limit', async () => {
      const garden = (await suggest('garden', 3).expect(200)).body as { suggestions: unknown[] };
      expect(garden.suggestions[0]).toEqual({ text: 'Garden & Plants', type: 'category' });
      expect(garden.suggestions.length).toBeLessThanOrEqual(3);
      const brand = (await suggest('greenhouse').expect(200)).body as { suggestions: unknown[] };
      expect(brand.suggestions).toContainEqual({ text: 'Greenhouse Co', type: 'brand' });
      expect((await suggest('zzqx').expect(200)).body).toEqual({ suggestions: [] });
    });

    it.each([
      [{}, /q is required/],
      [{ q: '' }, /q must be 1 to 64 characters/],
      [{ q: 'x'.repeat(65) }, /q must be 1 to 64 characters/],
      [{ q: '--' }, /q must contain a letter or digit/],
      [{ q: 'gui', limit: '0' }, /limit must be 1 to 20/],
      [{ q: 'gui', limit: '21' }, /limit must be 1 to 20/],
      [{ q: 'gui', limit: 'many' }, /limit must be an integer/],
    ])('refuses %j with a 400 naming the problem', async (query, message) => {
      const res = await request(t.server).get('/v1/suggest').query(query).expect(400);
      expect(JSON.stringify(res.body.error)).toMatch(message);
    });

    it('learns a product added to the catalog', async () => {
      await request(t.server)
        .post('/v1/admin/products')
        .set('X-Api-Key', KEY)
        .send({
          sku: 'VT-TEST-KAZOO',
          title: 'Zanzibar Kazoo',
          brand: 'Quokka Sound',
          category: 'Musical Instruments',
          images: [],
        })
        .expect(200);
      // Each replica checks the catalog's change marker at most every 5 s on use.
      let texts: string[] = [];
      for (let i = 0; i < 40 && !texts.includes('Zanzibar Kazoo'); i++) {
        await new Promise((r) => setTimeout(r, 250));
        const body = (await suggest('zanz').expect(200)).body as { suggestions: { text: string }[] };
        texts = body.suggestions.map((s) => s.text);
      }
      expect(texts).toContain('Zanzibar Kazoo');
    }, 30_000);
  });

  describe('typo tolerance in text search', () => {
    it('"sneakr" runs as "sneaker" and finds the running shoe through the demo synonyms', async () => {
      const page = await search('sneakr');
      expect(page.correctedQuery).toBe('sneaker');
      const shoe = page.items.findIndex((c) => c.sku === RUNNING_SHOE);
      expect(shoe).toBeGreaterThanOrEqual(0);
      expect(shoe).toBeLessThan(3);
      expect(lexicalRank(page, RUNNING_SHOE)).toBeDefined();
      const card = page.items[shoe]!;
      const marked = (card.highlights?.title ?? []).map(([s, e]) => card.title.slice(s, e));
      expect(marked).toEqual(['Running', 'Shoe']);
    });

    it('"guitr" finds the guitar, "tshirt" the t-shirt', async () => {
      const guitar = await search('guitr', 3);
      expect(guitar.correctedQuery).toBe('guitar');
      expect(guitar.items[0]?.sku).toBe(GUITAR);
      const shirt = await search('tshirt', 3);
      expect(shirt.correctedQuery).toBe('t-shirt');
      expect(shirt.items.map((c) => c.sku)).toContain(T_SHIRT);
    });

    it('leaves a query the catalog knows as typed', async () => {
      const page = await search('guitar', 3);
      expect(page.correctedQuery).toBeUndefined();
      expect(page.items[0]?.sku).toBe(GUITAR);
    });
  });

  describe('/v1/admin/synonyms', () => {
    it('needs the admin key', async () => {
      await request(t.server).get('/v1/admin/synonyms').expect(401);
      await request(t.server)
        .post('/v1/admin/synonyms')
        .send({ terms: ['a', 'b'] })
        .expect(401);
    });

    it('lists the demo catalog seeded sets', async () => {
      const { items } = (await admin('get', '').expect(200)).body as { items: SynonymSet[] };
      expect(items.map((s) => s.terms)).toContainEqual(['sneaker', 'trainer', 'running shoe']);
    });

    it('a set changes what the next search matches, and goes away with its deletion', async () => {
      // Start from no sets: "trainer" then has no word of the running shoe's text.
      for (const s of ((await admin('get', '').expect(200)).body as { items: SynonymSet[] }).items)
        await admin('delete', `/${s.id}`).expect(204);
      expect((await admin('get', '').expect(200)).body).toEqual({ items: [] });
      expect(lexicalRank(await search('trainer', 50), RUNNING_SHOE)).toBeUndefined();

      const created = await admin('post', '')
        .send({ terms: [' trainer ', 'running  shoe', 'Trainer'] })
        .expect(201);
      const set = created.body as SynonymSet;
      expect(set).toEqual({ id: expect.any(String), terms: ['trainer', 'running shoe'] });
      const found = await search('trainer');
      expect(lexicalRank(found, RUNNING_SHOE)).toBe(1);
      expect(found.items.slice(0, 3).map((c) => c.sku)).toContain(RUNNING_SHOE);

      const replaced = await admin('put', `/${set.id}`)
        .send({ terms: ['trainer', 'kazoo'] })
        .expect(200);
      expect(replaced.body).toEqual({ id: set.id, terms: ['trainer', 'kazoo'] });
      expect(lexicalRank(await search('trainer', 50), RUNNING_SHOE)).toBeUndefined();

      await admin('delete', `/${set.id}`).expect(204);
      await admin('delete', `/${set.id}`).expect(404);
      expect((await admin('get', '').expect(200)).body).toEqual({ items: [] });
    });

    it.each([
      [{ terms: ['only one'] }, /terms must hold 2 to 20 terms/],
      [{ terms: ['same', 'SAME'] }, /2 to 20 distinct terms \(got 1\)/],
      [{ terms: ['ok', 'x'.repeat(65)] }, /each term must be 1 to 64 characters/],
      [{ terms: ['ok', 3] }, /each term must be a string/],
      [{ terms: 'sneaker' }, /terms must be an array/],
      [{}, /terms must be an array/],
    ])('refuses %j with a 400 naming the problem', async (body, message) => {
      const res = await admin('post', '').send(body).expect(400);
      expect(JSON.stringify(res.body.error)).toMatch(message);
    });

    it('lets an admin page on an allowed origin replace a set (CORS preflight allows PUT)', async () => {
      const res = await request(t.server)
        .options('/v1/admin/synonyms/00000000-0000-4000-8000-000000000000')
        .set('Origin', 'https://admin.example')
        .set('Access-Control-Request-Method', 'PUT')
        .set('Access-Control-Request-Headers', 'content-type,x-api-key');
      expect(res.status).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe('https://admin.example');
      expect(res.headers['access-control-allow-methods']).toMatch(/\bPUT\b/);
    });

    it('answers 404 for a set that does not exist', async () => {
      await admin('put', '/00000000-0000-4000-8000-000000000000')
        .send({ terms: ['a', 'b'] })
        .expect(404);
      await admin('put', '/not-a-uuid')
        .send({ terms: ['a', 'b'] })
        .expect(404);
      await admin('delete', '/00000000-0000-4000-8000-000000000000').expect(404);
    });
  });
});
