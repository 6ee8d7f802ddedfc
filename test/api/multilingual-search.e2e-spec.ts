import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO_DIR, startApiApp, type ApiTestApp } from './api-app';

interface Card {
  id: string;
  sku: string;
  title: string;
  locale?: string | null;
  highlights?: { title?: [number, number][]; description?: { text: string; ranges: [number, number][] } };
}
interface Page {
  items: Card[];
  total: number;
  nextCursor: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { fields?: { field: string; message: string }[] } };
}
interface ZhQuery {
  id: string;
  text: string;
  relevant: string[];
  lang: string;
}

const ADMIN_KEY = 'multilingual-admin-k3y-0123';
const zhQueries = readFileSync(join(DEMO_DIR, 'queries.zh.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as ZhQuery);
const byId = (id: string): ZhQuery => zhQueries.find((q) => q.id === id)!;
/** SKUs of the demo products whose colour attribute is red. */
const red = new Set(
  readFileSync(join(DEMO_DIR, 'products.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { sku: string; attributes: { color?: string } })
    .filter((p) => p.attributes.color === 'red')
    .map((p) => p.sku),
);

/**
 * Chinese on the lexical side (issue 15) through HTTP on the indexed demo catalog, with today's English-only demo
 * model (it reads every Chinese character as [UNK]): Chinese words find the products named by them, and nothing
 * else stands in for them.
 */
describe('Chinese search and localised text through HTTP on the demo catalog', () => {
  let t: ApiTestApp;
  const text = async (body: object, status = 200): Promise<Page> =>
    (await request(t.server).post('/v1/search/text').send(body).expect(status)).body as Page;

  beforeAll(async () => {
    t = await startApiApp({ demoCatalog: true, env: { ADMIN_API_KEYS: ADMIN_KEY } });
  }, 300_000);
  afterAll(() => t?.close());

  it('ships Chinese queries for the demo catalog, one per English text query', () => {
    expect(zhQueries.length).toBeGreaterThan(400);
    expect(zhQueries.every((q) => q.lang === 'zh')).toBe(true);
    expect(zhQueries.filter((q) => /\p{Script=Han}/u.test(q.text)).length).toBeGreaterThan(
      0.95 * zhQueries.length,
    );
  });

  it.each(['zh-t-high-heeled-shoe', 'zh-t-closed-umbrella', 'zh-t-red-apple', 'zh-t-guitar', 'zh-t-teapot'])(
    'finds the product a Chinese name (%s) names first',
    async (id) => {
      const q = byId(id);
      const page = await text({ query: q.text });
      expect(page.items[0]?.sku).toBe(q.relevant[0]);
    },
  );

  it('answers "红色的鞋" (red shoes) with the red shoe first, and 的 alone with nothing', async () => {
    const page = await text({ query: '红色的鞋', locale: 'zh' });
    expect(page.items[0]).toMatchObject({ sku: 'VT-SHO-01299', title: '高跟鞋', locale: 'zh' });
    // Every result is a shoe or red: nothing stands in for what the model cannot read (it used to be padlocks).
    for (const item of page.items) expect(/鞋/.test(item.title) || red.has(item.sku)).toBe(true);
    expect((await text({ query: '的' })).total).toBe(0);
  });

  it.each(['量子力学', '宇宙飞船燃料', '的了是'])(
    'answers nonsense Chinese ("%s") with nothing',
    async (query) => {
      expect(await text({ query })).toMatchObject({ items: [], total: 0 });
    },
  );

  it('shows results in the asked locale, with highlights on the text shown, and says which locale', async () => {
    const heel = byId('zh-t-high-heeled-shoe');
    const zh = await text({ query: heel.text, locale: 'zh-Hans-CN' });
    expect(zh.items[0]).toMatchObject({ title: heel.text, locale: 'zh' });
    expect(zh.items[0]!.highlights?.title).toEqual([[0, heel.text.length]]);
    const plain = await text({ query: heel.text });
    expect(plain.items[0]!.title).toBe('Summit High-Heeled Shoe');
    expect(plain.items[0]).not.toHaveProperty('locale');
    // A locale the catalog has no text in: the catalog's own text, and it says so.
    const ja = await text({ query: 'high heeled shoe', locale: 'ja' });
    expect(ja.items[0]).toMatchObject({ title: 'Summit High-Heeled Shoe', locale: null });
  });

  it('browses and shows a product page in Chinese', async () => {
    const browse = (await request(t.server).get('/v1/products?category=Shoes&locale=zh&limit=3').expect(200))
      .body as Page;
    expect(browse.items.map((i) => i.locale)).toEqual(['zh', 'zh', 'zh']);
    const id = browse.items[0]!.id;
    const page = await request(t.server).get(`/v1/products/${id}?locale=zh`).expect(200);
    expect(page.body).toMatchObject({ title: browse.items[0]!.title, locale: 'zh' });
    expect(page.body.translations.zh.title).toBe(browse.items[0]!.title);
    const english = await request(t.server).get(`/v1/products/${id}`).expect(200);
    expect(english.body.title).not.toBe(browse.items[0]!.title);
    expect(english.body).not.toHaveProperty('locale');
  });

  it('refuses a bad locale with a 400 that names it', async () => {
    for (const res of [
      await request(t.server).post('/v1/search/text').send({ query: 'mug', locale: 'chinese please' }),
      await request(t.server).get('/v1/products?locale=zh_CN!'),
      await request(t.server).get(`/v1/products/00000000-0000-4000-8000-000000000000?locale=x-`),
    ]) {
      expect(res.status).toBe(400);
      expect(JSON.stringify((res.body as ErrorBody).error)).toMatch(/locale .*is not a BCP 47 language tag/);
    }
  });

  it('round-trips translations through the admin API, search with locale=zh and the product page', async () => {
    const admin = (r: request.Test) => r.set('X-Api-Key', ADMIN_KEY);
    const product = {
      sku: 'ML-TEAPOT-1',
      title: 'Qwertz Enamel Kettle',
      description: 'A kettle.',
      images: [],
      translations: { 'ZH-hans': { title: '搪瓷水壶', description: '一把搪瓷烧水壶。' } },
    };
    const created = await admin(request(t.server).post('/v1/admin/products')).send(product).expect(200);
    const id = (created.body as { id: string }).id;
    const found = await text({ query: '搪瓷水壶', locale: 'zh' });
    expect(found.items[0]).toMatchObject({ id, title: '搪瓷水壶', locale: 'zh-Hans' });
    const detail = await request(t.server).get(`/v1/products/${id}?locale=zh-Hans-CN`).expect(200);
    expect(detail.body).toMatchObject({
      title: '搪瓷水壶',
      description: '一把搪瓷烧水壶。',
      locale: 'zh-Hans',
      translations: { 'zh-Hans': { title: '搪瓷水壶', description: '一把搪瓷烧水壶。' } },
    });
    // PATCH without translations keeps them; with some, replaces them.
    await admin(request(t.server).patch(`/v1/admin/products/${id}`))
      .send({ inStock: false })
      .expect(200);
    const patched = await admin(request(t.server).patch(`/v1/admin/products/${id}`))
      .send({ translations: { ja: { title: 'ホーローケトル' } } })
      .expect(200);
    expect(patched.body.translations).toEqual({ ja: { title: 'ホーローケトル', description: null } });
    expect((await text({ query: '搪瓷水壶' })).items.map((i) => i.id)).not.toContain(id);
    const bad = await admin(request(t.server).post('/v1/admin/products'))
      .send({ ...product, translations: { 'chinese!': { title: 'x' } } })
      .expect(400);
    expect((bad.body as ErrorBody).error.message).toContain('"chinese!" is not a BCP 47 language tag');
  });
});
