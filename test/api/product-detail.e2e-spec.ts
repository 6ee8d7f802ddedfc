import request from 'supertest';
import { AttributeRepository } from '@vitrine/attributes';
import { ProductRepository } from '@vitrine/catalog';
import { startApiApp, type ApiTestApp } from './api-app';
import { waitForIdle } from '../support/queue-idle';

const KEY = 'detail-k3y-0123456789';

describe('GET /v1/products/:id', () => {
  let t: ApiTestApp;
  let products: ProductRepository;
  let id: string;
  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY } });
    products = t.app.get(ProductRepository);
    const { changed } = await products.upsertMany([
      {
        sku: 'DET-MUG-1',
        title: 'Detail mug',
        description: 'A mug for the detail page',
        brand: 'Testware',
        category: 'Kitchen',
        price: { amount: '12.90', currency: 'EUR' },
        inStock: true,
        attributes: { material: 'ceramic', popularity: 3 },
        images: ['https://img.invalid/a.jpg', 'https://img.invalid/b.jpg', 'https://img.invalid/c.jpg'],
      },
    ]);
    id = changed[0]!.id;
    await waitForIdle(t.queue);
  }, 120_000);
  afterAll(() => t?.close());

  it('shows the catalog fields, the usable pictures only, and the links', async () => {
    const stored = (await products.getById(id))!;
    await products.recordImageFetch(stored.images[0]!.id, stored.images[0]!.uri, {
      status: 'ok',
      sha256: 'a'.repeat(64),
      width: 640,
      height: 480,
    });
    // The second could not be fetched; the indexer reads only the first picture, so the third stays pending.
    await products.recordImageFetch(stored.images[1]!.id, stored.images[1]!.uri, {
      status: 'failed',
      error: 'FETCH_FAILED: HTTP 404',
    });
    const now = (await products.getById(id))!;

    const res = await request(t.server).get(`/v1/products/${id}`).expect(200);
    expect(res.body).toMatchObject({
      id,
      sku: 'DET-MUG-1',
      title: 'Detail mug',
      description: 'A mug for the detail page',
      brand: 'Testware',
      category: 'Kitchen',
      price: { amount: '12.9', currency: 'EUR' },
      inStock: true,
      approvedDescription: null,
      links: { similar: `/v1/products/${id}/similar`, ask: `/v1/products/${id}/ask` },
    });
    expect(res.body.attributes.catalog).toEqual({ material: 'ceramic', popularity: 3 });
    expect(now.images.map((i) => i.status)).toEqual(['ok', 'failed', 'pending']);
    expect(res.body.images).toEqual([
      { position: 0, url: `/v1/products/${id}/images/0`, width: 640, height: 480 },
      { position: 2, url: `/v1/products/${id}/images/2`, width: null, height: null },
    ]);
    expect(new Date(res.body.createdAt as string).getTime()).toBeGreaterThan(0);
  });

  it('lists picture attributes at or above their thresholds only, and the approved description', async () => {
    const draft = await request(t.server)
      .post(`/v1/products/${id}/description`)
      .set('X-Api-Key', KEY)
      .send({ style: 'short' })
      .expect(201);
    await request(t.server)
      .post(`/v1/admin/descriptions/${draft.body.id}/approve`)
      .set('X-Api-Key', KEY)
      .send({})
      .expect(200);
    const product = (await products.getById(id))!;
    const calibrated = { calibrated: true, threshold: 0.6 };
    await t.app.get(AttributeRepository).replace(id, product.contentHash, [
      {
        attribute: 'colour',
        value: 'red',
        confidence: 0.93,
        source: 'pixels',
        modelId: 'pixels@1',
        details: {},
      },
      {
        attribute: 'material',
        value: 'ceramic',
        confidence: 0.81,
        source: 'zero-shot',
        modelId: 'clip',
        details: calibrated,
      },
      {
        attribute: 'pattern',
        value: 'striped',
        confidence: 0.55,
        source: 'zero-shot',
        modelId: 'clip',
        details: calibrated,
      },
      {
        attribute: 'style',
        value: 'modern',
        confidence: 0.97,
        source: 'zero-shot',
        modelId: 'clip',
        details: {},
      },
    ]);

    const res = await request(t.server).get(`/v1/products/${id}`).expect(200);
    expect(res.body.attributes.extracted).toEqual([
      { name: 'colour', value: 'red', confidence: 0.93, source: 'picture' },
      { name: 'material', value: 'ceramic', confidence: 0.81, source: 'picture' },
    ]);
    expect(res.body.approvedDescription).toEqual({
      text: draft.body.text,
      approvedAt: expect.any(String),
    });
    expect(res.body.description).toBe(draft.body.text);
  });

  it('answers 404 for an unknown or malformed id, and leaves /similar and /images to their routes', async () => {
    for (const bad of ['2b0c1a9e-1111-4c4c-8888-000000000000', 'not-a-uuid']) {
      const res = await request(t.server).get(`/v1/products/${bad}`).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const similar = await request(t.server).get(`/v1/products/${id}/similar`);
    expect(similar.body).not.toHaveProperty('sku');
    const image = await request(t.server).get(`/v1/products/${id}/images/9`);
    expect(image.status).toBe(404);
    expect(image.body.error.message).not.toMatch(/^product /);
  });
});
