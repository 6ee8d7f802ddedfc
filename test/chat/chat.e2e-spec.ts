import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ProductRepository, productAsInput, type Product } from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { startApiApp, type ApiTestApp } from '../api/api-app';
import { waitForIdle } from '../support/queue-idle';
import { DEMO_DIR, demoProducts } from '../insights/demo-products';

interface Card {
  id: string;
  sku: string;
  title: string;
  brand: string | null;
  category: string | null;
  price: { amount: string; currency: string } | null;
  inStock: boolean;
}

interface Turn {
  conversationId: string;
  intent: string;
  lang: string;
  message: string;
  products: Card[];
  filters: { price?: { min?: number; max?: number }; excludeBrands?: string[]; colour?: string };
  answer?: { productId: string; answered: boolean };
  comparison?: { productIds: string[]; rows: { field: string; values: (string | null)[] }[] };
}

interface History {
  turns: {
    seq: number;
    role: string;
    message: string;
    intent?: string;
    products?: Card[];
    answer?: { productId: string };
  }[];
}

const turnOf = (res: request.Response) => res.body as Turn;

/** Whole conversations through the real HTTP app (PostgreSQL, Redis, demo model) over shoes, bags and a few more. */
describe('POST /v1/chat through HTTP', () => {
  let t: ApiTestApp;
  const demo = demoProducts();
  const seeded = demo.filter(
    (p) => p.category === 'Shoes' || p.category === 'Bags' || p.category === 'Clothing',
  );
  const bySku = new Map<string, Product>();
  const sku = (title: string) => seeded.find((p) => p.title === title)!.sku;

  beforeAll(async () => {
    t = await startApiApp();
    const products = t.app.get(ProductRepository);
    const result = await products.upsertMany(seeded.map((p) => productAsInput(p)));
    await t.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(t.queue, 120_000);
    for (const p of seeded) bySku.set(p.sku, (await products.getBySku(p.sku))!);
  }, 180_000);
  afterAll(() => t?.close());

  const say = (message: string, conversationId?: string) =>
    request(t.server)
      .post('/v1/chat')
      .send({ message, ...(conversationId ? { conversationId } : {}) });
  const skus = (products: Card[]) => products.map((p) => p.sku);

  it('holds an English conversation: search, sort, a product question, a comparison, refinements, history', async () => {
    const first = turnOf(await say('shoes under 100 euros').expect(200));
    const c = first.conversationId;
    expect(first).toMatchObject({
      intent: 'search',
      lang: 'en',
      filters: { category: 'Shoes', price: { max: 100 }, currency: 'EUR' },
    });
    const cheapShoes = [
      'Cloudstep Men’s Leather Shoe',
      'Trailblazer Hiking Boot',
      'Cloudstep Women’s Sandal',
    ].map(sku);
    expect(skus(first.products).sort()).toEqual([...cheapShoes].sort());
    expect(first.message).toMatch(/^Here are some products \(Shoes, at most EUR 100\.00\):\n1\. /);

    const sorted = turnOf(await say('sort by price', c).expect(200));
    expect(sorted.products.map((p: Card) => p.price?.amount)).toEqual(['41.99', '46.49', '78.99']);

    const question = turnOf(await say('Is the first one waterproof?', c).expect(200));
    const leather = bySku.get(sku('Cloudstep Men’s Leather Shoe'))!;
    expect(question.intent).toBe('question');
    expect(question.answer).toMatchObject({ productId: leather.id });
    expect(typeof question.answer!.answered).toBe('boolean');
    expect(question.products.map((p: Card) => p.id)).toEqual([leather.id]);
    expect(question.message.startsWith(`${leather.title}: `)).toBe(true);

    const compared = turnOf(await say('compare the first two', c).expect(200));
    const sandal = bySku.get(sku('Cloudstep Women’s Sandal'))!;
    expect(compared.comparison!.productIds).toEqual([leather.id, sandal.id]);
    expect(compared.comparison!.rows).toEqual(
      expect.arrayContaining([
        { field: 'price', values: ['EUR 41.99', 'EUR 46.49'] },
        { field: 'brand', values: ['Pathfinder Footwear', 'Kicklab'] },
        { field: 'material', values: [leather.attributes.material, sandal.attributes.material] },
      ]),
    );

    // "that brand" is the brand of the product asked about.
    const notThat = turnOf(await say('not that brand', c).expect(200));
    expect(notThat.filters.excludeBrands).toEqual(['Pathfinder Footwear']);
    expect(skus(notThat.products)).toEqual([sku('Cloudstep Women’s Sandal'), sku('Trailblazer Hiking Boot')]);

    // Below the cheapest shown (EUR 46.49), with Pathfinder excluded: nothing, and it says so.
    const cheaper = turnOf(await say('cheaper', c).expect(200));
    expect(cheaper.filters.price).toEqual({ max: 46.48 });
    expect(cheaper.products).toEqual([]);
    expect(cheaper.message).toMatch(/^I found no products that match/);

    const order = turnOf(await say('where is my order?', c).expect(200));
    expect(order).toMatchObject({ intent: 'out-of-scope', products: [] });
    expect(order.message).toMatch(/cannot see orders/);

    const history = (await request(t.server).get(`/v1/chat/${c}`).expect(200)).body as History;
    expect(history.turns).toHaveLength(14);
    expect(history.turns.map((x: { role: string }) => x.role).slice(0, 4)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(history.turns[0]).toMatchObject({ seq: 1, message: 'shoes under 100 euros', intent: 'search' });
    expect(skus(history.turns[3]!.products!)).toEqual(skus(sorted.products));
    expect(history.turns[5]!.answer!.productId).toBe(leather.id);

    await request(t.server).delete(`/v1/chat/${c}`).expect(204);
    await request(t.server).get(`/v1/chat/${c}`).expect(404);
    const gone = await say('show more', c).expect(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('holds a Chinese conversation with references and similar products', async () => {
    const first = turnOf(await say('100欧元以下的鞋子，只要有货的').expect(200));
    const c = first.conversationId;
    expect(first).toMatchObject({
      lang: 'zh',
      filters: { category: 'Shoes', price: { max: 100 }, currency: 'EUR', inStock: true },
    });
    expect(first.message.startsWith('为您找到这些商品')).toBe(true);
    expect(first.products).toHaveLength(3);

    const second = first.products[1]!;
    const asked = turnOf(await say('第二个多少钱？', c).expect(200));
    expect(asked).toMatchObject({ intent: 'question', answer: { productId: second.id } });

    const similar = turnOf(await say('和第一个类似的', c).expect(200));
    expect(similar.intent).toBe('similar');
    expect(similar.products.map((p: Card) => p.id)).not.toContain(first.products[0]!.id);
    for (const p of similar.products)
      expect(p).toMatchObject({ category: 'Shoes', inStock: true, price: { currency: 'EUR' } });
  });

  it('never shows a product outside the stated price, currency, category or stock', async () => {
    const cases: [string, (p: Product) => boolean][] = [
      [
        'bags under 60 euros',
        (p) => p.category === 'Bags' && p.price?.currency === 'EUR' && Number(p.price.amount) <= 60,
      ],
      [
        'shoes over 100 dollars',
        (p) => p.category === 'Shoes' && p.price?.currency === 'USD' && Number(p.price.amount) >= 100,
      ],
      [
        'in-stock shoes between 40 and 80 euros',
        (p) =>
          p.category === 'Shoes' &&
          p.inStock &&
          p.price?.currency === 'EUR' &&
          Number(p.price.amount) >= 40 &&
          Number(p.price.amount) <= 80,
      ],
      [
        '50欧元以下的包',
        (p) => p.category === 'Bags' && p.price?.currency === 'EUR' && Number(p.price.amount) <= 50,
      ],
    ];
    for (const [message, allowed] of cases) {
      const body = turnOf(await say(message).expect(200));
      const expected = seeded
        .filter(allowed)
        .map((p) => p.sku)
        .sort();
      expect({ message, skus: skus(body.products).sort() }).toEqual({ message, skus: expected });
    }
    const none = turnOf(await say('shoes under 50 dollars').expect(200));
    expect(none.products).toEqual([]);
    expect(none.message).toMatch(/no products/);
  });

  it('takes a picture: similar products, then "like this but in blue"', async () => {
    const purse = readFileSync(join(DEMO_DIR, 'images/purse.png'));
    const first = turnOf(
      await request(t.server)
        .post('/v1/chat')
        .attach('image', purse, 'purse.png')
        .field('message', 'like this')
        .expect(200),
    );
    expect(first.intent).toBe('similar');
    expect(skus(first.products)).toContain(sku('Voyager Purse'));

    const blue = turnOf(
      await request(t.server)
        .post('/v1/chat')
        .attach('image', purse, 'purse.png')
        .field('conversationId', first.conversationId)
        .field('message', 'like this but in blue')
        .expect(200),
    );
    expect(blue.filters.colour).toBe('blue');
    const blueSkus = seeded.filter((p) => p.attributes.color === 'blue').map((p) => p.sku);
    expect(blue.products.length).toBeGreaterThan(0);
    for (const s of skus(blue.products)) expect(blueSkus).toContain(s);
  });

  it("refuses a file that is not a picture with a 415, and keeps the conversation's last picture", async () => {
    const purse = readFileSync(join(DEMO_DIR, 'images/purse.png'));
    const first = turnOf(
      await request(t.server)
        .post('/v1/chat')
        .attach('image', purse, 'purse.png')
        .field('message', 'like this')
        .expect(200),
    );
    const bad = await request(t.server)
      .post('/v1/chat')
      .attach('image', Buffer.from('not a picture at all'), 'photo.png')
      .field('conversationId', first.conversationId)
      .field('message', 'like this')
      .expect(415);
    expect(bad.body.error.code).toBe('UNSUPPORTED_MEDIA');
    const empty = await request(t.server)
      .post('/v1/chat')
      .attach('image', Buffer.alloc(0), 'empty.png')
      .field('message', 'like this')
      .expect(400);
    expect(JSON.stringify(empty.body.error)).toMatch(/image/);
    const more = turnOf(await say('show more', first.conversationId).expect(200));
    expect(more.message).not.toMatch(/no longer have that picture/);
  });

  it('streams the same turn as server-sent events', async () => {
    const res = await request(t.server)
      .post('/v1/chat')
      .set('Accept', 'text/event-stream')
      .send({ message: 'bags under 60 euros' })
      .buffer(true)
      .parse((r, done) => {
        let text = '';
        r.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        r.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = (res.body as string)
      .trim()
      .split('\n\n')
      .map((block) => {
        const [event, data] = block.split('\n');
        return {
          event: event!.replace('event: ', ''),
          data: JSON.parse(data!.replace('data: ', '')) as unknown,
        };
      });
    expect(events.map((e) => e.event)).toEqual(['conversation', 'products', 'message', 'done']);
    const done = events[3]!.data as { message: string; products: Card[]; conversationId: string };
    expect(events[2]!.data).toEqual({ text: done.message });
    expect(skus(done.products).sort()).toEqual([sku('Atelier Bellhop Bell'), sku('Voyager Luggage')].sort());
    await request(t.server).get(`/v1/chat/${done.conversationId}`).expect(200);
  });

  it('refuses bad input with a 400 naming the field, and unknown conversations with a 404', async () => {
    const empty = await request(t.server).post('/v1/chat').send({}).expect(400);
    expect(empty.body.error.message).toMatch(/message/);
    const badId = await say('hi', 'not-a-uuid').expect(400);
    expect(JSON.stringify(badId.body.error)).toMatch(/conversationId/);
    const long = await say('x'.repeat(1001)).expect(400);
    expect(JSON.stringify(long.body.error)).toMatch(/message/);
    const extra = await request(t.server).post('/v1/chat').send({ message: 'hi', mood: 'happy' }).expect(400);
    expect(JSON.stringify(extra.body.error)).toMatch(/mood/);
    await say('hi', '2b0c1a9e-1111-4c4c-8888-000000000000').expect(404);
    await request(t.server).get('/v1/chat/2b0c1a9e-1111-4c4c-8888-000000000000').expect(404);
    await request(t.server).delete('/v1/chat/2b0c1a9e-1111-4c4c-8888-000000000000').expect(404);
  });

  it('documents the chat in the OpenAPI document', async () => {
    const doc = (await request(t.server).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, { post?: { requestBody: { content: object } } }>;
      components: { schemas: Record<string, { properties: object }> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/chat', '/v1/chat/{id}']));
    expect(Object.keys(doc.paths['/v1/chat']!.post!.requestBody.content).sort()).toEqual([
      'application/json',
      'multipart/form-data',
    ]);
    expect(doc.components.schemas.ChatResponseDto!.properties).toHaveProperty('filters');
    expect(doc.components.schemas.ChatAnswerDto!.properties).toHaveProperty('productId');
  });
});
