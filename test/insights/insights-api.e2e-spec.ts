import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { ProductRepository, productAsInput, type Product } from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { startApiApp, type ApiTestApp } from '../api/api-app';
import { waitForIdle } from '../support/queue-idle';
import { DEMO_DIR, demoProducts } from './demo-products';

const KEY = 'insights-admin-key-0123456789';
const MISSING = '2b0c1a9e-1111-4c4c-8888-000000000000';

/** Product Q&A, attributes and descriptions through the real HTTP app (PostgreSQL, Redis, demo model). */
describe('insights routes through HTTP', () => {
  let t: ApiTestApp;
  let products: ProductRepository;
  const demo = demoProducts();
  const coloured = demo.find((p) => p.attributes.color === 'red' && p.price && p.brand)!;
  const food = demo.find((p) => p.category === 'Food' && p.attributes.color === undefined)!;
  let red: Product;
  let apple: Product;
  let noImage: Product;

  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY } });
    products = t.app.get(ProductRepository);
    const result = await products.upsertMany([
      productAsInput(coloured),
      productAsInput(food),
      productAsInput(demo[7]!, { sku: 'NO-IMAGE-1', title: 'Mystery Box', images: [], description: null }),
      ...demo.slice(30, 40).map((p) => productAsInput(p, { description: null })),
    ]);
    await t.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(t.queue, 120_000);
    red = (await products.getBySku(coloured.sku))!;
    apple = (await products.getBySku(food.sku))!;
    noImage = (await products.getBySku('NO-IMAGE-1'))!;
  }, 180_000);
  afterAll(() => t?.close());

  const ask = (id: string, body: unknown) =>
    request(t.server)
      .post(`/v1/products/${id}/ask`)
      .send(body as object);
  const expectError = (res: request.Response, status: number, code: string, message: RegExp) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body.error.message).toMatch(message);
  };

  describe('POST /v1/products/:id/ask', () => {
    it('answers catalog facts from the catalog', async () => {
      const colour = (await ask(red.id, { question: 'What colour is it?' }).expect(200)).body;
      expect(colour).toMatchObject({
        value: 'red',
        answered: true,
        confidence: 1,
        source: 'catalog',
        questionType: 'colour',
      });
      const price = (await ask(red.id, { question: 'How much does it cost?' }).expect(200)).body;
      expect(price.value).toBe(`${red.price!.currency} ${Number(red.price!.amount).toFixed(2)}`);
      const brand = (await ask(red.id, { question: 'Who makes it?' }).expect(200)).body;
      expect(brand).toMatchObject({ value: red.brand, source: 'catalog' });
      const yes = (await ask(red.id, { question: 'Is it red?' }).expect(200)).body;
      expect(yes).toMatchObject({ value: 'yes', answer: "Yes, it's red." });
      const no = (await ask(red.id, { question: 'Is it blue?' }).expect(200)).body;
      expect(no).toMatchObject({ value: 'no', answer: "No, it's red." });
    });

    it('answers from the picture what the catalog does not know, or says it cannot tell', async () => {
      const res = (await ask(apple.id, { question: 'What colour is it?' }).expect(200)).body;
      expect(['stored-attributes', 'image-pixels', 'none']).toContain(res.source);
      if (res.answered) expect(res.value).toEqual(expect.any(String));
      else expect(res.answer).toBe("I can't tell");
      expect(res.explanation).toEqual(expect.any(String));
    });

    it('returns a heatmap PNG on request', async () => {
      const res = (await ask(red.id, { question: 'What colour is it?', heatmap: true }).expect(200)).body;
      expect(res.heatmap).toMatchObject({ kind: 'pixels', prompt: 'red', width: 224, height: 224 });
      const png = Buffer.from((res.heatmap.png as string).replace(/^data:image\/png;base64,/, ''), 'base64');
      expect((await sharp(png).metadata()).format).toBe('png');
    });

    it('refuses an empty, blank, missing or overlong question with a 400', async () => {
      expectError(
        await ask(red.id, { question: '' }),
        400,
        'VALIDATION_FAILED',
        /question must not be empty/,
      );
      expectError(
        await ask(red.id, { question: '   ' }),
        400,
        'VALIDATION_FAILED',
        /question must not be empty/,
      );
      expectError(await ask(red.id, {}), 400, 'VALIDATION_FAILED', /question/);
      expectError(await ask(red.id, { question: 42 }), 400, 'VALIDATION_FAILED', /question must be a string/);
      expectError(
        await ask(red.id, { question: 'why '.repeat(200) }),
        400,
        'VALIDATION_FAILED',
        /question must be shorter than or equal to 500 characters/,
      );
      expectError(
        await ask(red.id, { question: 'Is it red?', heatmp: true }),
        400,
        'VALIDATION_FAILED',
        /heatmp/,
      );
    });

    it('answers a question in another language clearly instead of guessing', async () => {
      for (const question of ['¿De qué color es?', 'Welche Farbe hat es?']) {
        const res = (await ask(red.id, { question }).expect(200)).body;
        expect(res).toMatchObject({ answered: false, answer: "I can't tell", value: null, source: 'none' });
        expect(res.explanation).toMatch(/another language .* only English and Chinese questions/);
      }
    });

    it('never answers what neither the catalog nor the picture can know, in English or Chinese', async () => {
      for (const question of ['Does it contain nuts?', 'Has this product been recalled?', '含有坚果吗？']) {
        const res = (await ask(red.id, { question }).expect(200)).body;
        expect(res).toMatchObject({ answered: false, value: null, questionType: 'unknowable' });
        expect(res.answer).not.toMatch(/^no\b/i);
        expect(res.answer).toMatch(/check|请查看/i);
      }
    });

    it('quotes the catalog field a catalog answer comes from', async () => {
      const res = (await ask(red.id, { question: 'How much is it?' }).expect(200)).body;
      expect(res).toMatchObject({ answered: true, source: 'catalog', evidence: [{ field: 'price' }] });
    });

    it('404s a product that does not exist, whatever the id looks like', async () => {
      expectError(
        await ask(MISSING, { question: 'What colour is it?' }),
        404,
        'NOT_FOUND',
        /product .* does not exist/,
      );
      expectError(
        await ask('not-a-uuid', { question: 'What colour is it?' }),
        404,
        'NOT_FOUND',
        /does not exist/,
      );
    });

    it('says it cannot tell what only a picture would show for a product without one, and still answers facts', async () => {
      const colour = (await ask(noImage.id, { question: 'What colour is it?', heatmap: true }).expect(200))
        .body;
      expect(colour).toMatchObject({ answered: false, explanation: 'the product has no picture to look at' });
      expect(colour.heatmap).toBeUndefined();
      const yesNo = (await ask(noImage.id, { question: 'Does it have a strap?' }).expect(200)).body;
      expect(yesNo).toMatchObject({ answered: false });
      const price = (await ask(noImage.id, { question: 'What is the price?' }).expect(200)).body;
      expect(price).toMatchObject({ answered: true, source: 'catalog' });
    });

    it('refuses a body that is not JSON with a 415', async () => {
      const res = await request(t.server)
        .post(`/v1/products/${red.id}/ask`)
        .set('Content-Type', 'text/plain')
        .send('What colour is it?');
      expectError(res, 415, 'UNSUPPORTED_MEDIA', /application\/json/);
    });
  });

  describe('POST /v1/vqa', () => {
    const png = readFileSync(join(DEMO_DIR, 'queries/red-apple.png'));
    const upload = (question: string | undefined, file?: { buffer: Buffer; name: string }) => {
      const r = request(t.server).post('/v1/vqa');
      if (question !== undefined) void r.field('question', question);
      if (file) void r.attach('image', file.buffer, file.name);
      return r;
    };

    it('answers about an uploaded picture', async () => {
      const res = (await upload('What colour is it?', { buffer: png, name: 'apple.png' }).expect(200)).body;
      expect(res).toMatchObject({ questionType: 'colour', source: 'image-pixels' });
      const withMap = (
        await upload('What is it made of?', { buffer: png, name: 'a.png' })
          .field('heatmap', 'true')
          .expect(200)
      ).body;
      if (withMap.answered) expect(withMap.heatmap.kind).toBe('patches');
    });

    it('says only the catalog knows prices, and that other languages need the remote answerer', async () => {
      const price = (await upload('How much is it?', { buffer: png, name: 'a.png' }).expect(200)).body;
      expect(price).toMatchObject({ answered: false, questionType: 'price' });
      const other = (await upload('¿De qué color es?', { buffer: png, name: 'a.png' }).expect(200)).body;
      expect(other).toMatchObject({ answered: false });
    });

    it('refuses a missing picture, an empty question, a file that is not an image and a corrupt one', async () => {
      expectError(await upload('What colour is it?'), 400, 'VALIDATION_FAILED', /multipart part "image"/);
      expectError(
        await upload('', { buffer: png, name: 'a.png' }),
        400,
        'VALIDATION_FAILED',
        /question must not be empty/,
      );
      expectError(
        await upload('What colour is it?', { buffer: Buffer.from('hello, not a picture'), name: 'a.txt' }),
        415,
        'UNSUPPORTED_MEDIA',
        /not a JPEG, PNG/,
      );
      expectError(
        await upload('What colour is it?', { buffer: png.subarray(0, 60), name: 'cut.png' }),
        422,
        'IMAGE_INVALID',
        /cannot be/,
      );
      expectError(
        await request(t.server).post('/v1/vqa').send({ question: 'What colour is it?' }),
        415,
        'UNSUPPORTED_MEDIA',
        /multipart\/form-data/,
      );
    });
  });

  it('GET /v1/products/:id/attributes lists what the indexer read from the picture', async () => {
    const res = (await request(t.server).get(`/v1/products/${red.id}/attributes`).expect(200)).body;
    expect(res.productId).toBe(red.id);
    const keys = (res.attributes as { attribute: string; source: string }[]).map(
      (a) => `${a.attribute}/${a.source}`,
    );
    expect(keys).toEqual(
      expect.arrayContaining(['colour/pixels', 'category/zero-shot', 'material/zero-shot']),
    );
    for (const a of res.attributes) {
      expect(a).toMatchObject({ current: true, modelId: expect.any(String) });
      expect(a.confidence).toBeGreaterThanOrEqual(0);
      expect(a.confidence).toBeLessThanOrEqual(1);
    }
    expectError(
      await request(t.server).get(`/v1/products/${MISSING}/attributes`),
      404,
      'NOT_FOUND',
      /does not exist/,
    );
  });

  describe('descriptions', () => {
    const describeProduct = (id: string, body: unknown, key: string | null = KEY) => {
      const r = request(t.server).post(`/v1/products/${id}/description`);
      return key ? r.set('X-Api-Key', key).send(body as object) : r.send(body as object);
    };

    it('needs the admin key to generate, and a known style', async () => {
      expectError(await describeProduct(red.id, { style: 'short' }, null), 401, 'UNAUTHORIZED', /X-Api-Key/);
      expectError(
        await describeProduct(red.id, { style: 'poem' }, KEY),
        400,
        'VALIDATION_FAILED',
        /style must be one of/,
      );
      expectError(await describeProduct(MISSING, { style: 'short' }), 404, 'NOT_FOUND', /does not exist/);
    });

    it('generates a draft, lists it, and publishes it on approval (re-indexing the product)', async () => {
      const draft = (await describeProduct(red.id, { style: 'detailed' }).expect(201)).body;
      expect(draft).toMatchObject({
        productId: red.id,
        style: 'detailed',
        status: 'draft',
        generator: 'template@1',
      });
      expect(draft.text).toContain(red.title);
      expect(draft.text).toContain('red');
      expect(draft.inputs.facts).toEqual(
        expect.arrayContaining([expect.objectContaining({ key: 'colour', value: 'red', source: 'catalog' })]),
      );

      const listed = (
        await request(t.server)
          .get(`/v1/admin/products/${red.id}/descriptions`)
          .set('X-Api-Key', KEY)
          .expect(200)
      ).body as { id: string }[];
      expect(listed.map((d) => d.id)).toContain(draft.id);

      const approved = (
        await request(t.server)
          .post(`/v1/admin/descriptions/${draft.id}/approve`)
          .set('X-Api-Key', KEY)
          .send({ note: 'ok' })
          .expect(200)
      ).body;
      expect(approved).toMatchObject({
        published: true,
        indexQueued: true,
        draft: { status: 'approved', reviewNote: 'ok' },
      });
      expect((await products.getById(red.id))!.description).toBe(draft.text);
      await waitForIdle(t.queue);

      const again = await request(t.server)
        .post(`/v1/admin/descriptions/${draft.id}/reject`)
        .set('X-Api-Key', KEY)
        .send({});
      expectError(again, 409, 'CONFLICT', /already approved/);
      expectError(
        await request(t.server)
          .post(`/v1/admin/descriptions/${MISSING}/approve`)
          .set('X-Api-Key', KEY)
          .send({}),
        404,
        'NOT_FOUND',
        /description draft/,
      );
    });

    it('generates drafts in bulk for products without a description', async () => {
      const call = (limit: number) =>
        request(t.server)
          .post('/v1/admin/descriptions/generate-missing')
          .set('X-Api-Key', KEY)
          .send({ style: 'seo', limit });
      const first = (await call(4).expect(200)).body;
      expect(first.generated).toBe(4);
      const rest = (await call(1000).expect(200)).body;
      expect(rest).toMatchObject({ remaining: 0 });
      expect((await call(1000).expect(200)).body).toEqual({ generated: 0, failed: 0, remaining: 0 });
      expectError(
        await request(t.server).post('/v1/admin/descriptions/generate-missing').send({ style: 'seo' }),
        401,
        'UNAUTHORIZED',
        /X-Api-Key/,
      );
    });
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await request(t.server).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/v1/products/{id}/ask',
      '/v1/vqa',
      '/v1/products/{id}/attributes',
      '/v1/products/{id}/description',
      '/v1/admin/descriptions/{id}/approve',
      '/v1/admin/descriptions/generate-missing',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
