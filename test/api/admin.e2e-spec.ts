import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';
import { waitForIdle } from '../support/queue-idle';

const KEY = 'k3y-for-tests-0123456789';

describe('admin routes through HTTP', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({
      // The wrong-key checks below fail 25 times in a row from one address: more than the failed-auth throttle
      // allows by default (test/api/abuse-limits.e2e-spec.ts covers the throttle).
      env: { ADMIN_API_KEYS: `other-key,${KEY}`, ADMIN_AUTH_FAILURES_PER_MINUTE: '1000' },
    });
  }, 120_000);
  afterAll(() => t?.close());

  const product = {
    sku: 'ADM-TEAPOT-1',
    title: 'Zyxwv ceramic teapot',
    description: 'A teapot only this test sells',
    brand: 'Testware',
    category: 'Kitchen',
    price: { amount: '19.90', currency: 'eur' },
    attributes: { color: 'blue', popularity: 12 },
    images: [],
  };
  const search = async (query: string) =>
    (await request(t.server).post('/v1/search/text').send({ query }).expect(200)).body as {
      items: { id: string; sku: string; price: unknown }[];
    };

  it.each([
    ['POST', '/v1/admin/products'],
    ['DELETE', '/v1/admin/products/2b0c1a9e-1111-4c4c-8888-000000000000'],
    ['POST', '/v1/admin/reindex'],
    ['GET', '/v1/admin/jobs/reindex.1'],
    ['GET', '/v1/admin/jobs/reindex.1/events'],
  ])('%s %s refuses a missing, a wrong and a same-length wrong key', async (method, path) => {
    const call = (key?: string) => {
      const r =
        method === 'GET'
          ? request(t.server).get(path)
          : method === 'DELETE'
            ? request(t.server).delete(path)
            : request(t.server).post(path);
      return key === undefined ? r.send(product) : r.set('X-Api-Key', key).send(product);
    };
    const missing = await call();
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'missing X-Api-Key header' });
    for (const wrong of ['nope', KEY.slice(0, -1) + 'X', `${KEY}x`, KEY.toUpperCase()]) {
      const res = await call(wrong);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid API key' });
    }
  });

  it('upserts a product by SKU, indexes it, and deletes it from the catalog and the index', async () => {
    const created = await request(t.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send(product)
      .expect(200);
    expect(created.body).toMatchObject({ sku: product.sku, change: 'created', indexQueued: true });
    const again = await request(t.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send(product)
      .expect(200);
    expect(again.body).toEqual({
      id: created.body.id,
      sku: product.sku,
      change: 'unchanged',
      indexQueued: false,
    });

    await waitForIdle(t.queue);
    const found = await search('zyxwv teapot');
    expect(found.items[0]).toMatchObject({
      id: created.body.id,
      sku: product.sku,
      price: { amount: '19.9', currency: 'EUR' },
    });

    const cheaper = { ...product, price: { amount: 9.5, currency: 'EUR' }, inStock: false };
    const updated = await request(t.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send(cheaper)
      .expect(200);
    expect(updated.body).toMatchObject({ id: created.body.id, change: 'updated' });
    expect((await search('zyxwv teapot')).items[0]!.price).toEqual({ amount: '9.5', currency: 'EUR' });

    await request(t.server)
      .delete(`/v1/admin/products/${created.body.id}`)
      .set('X-Api-Key', KEY)
      .expect(200, { id: created.body.id, deleted: true });
    await waitForIdle(t.queue);
    expect((await search('zyxwv teapot')).items.map((i) => i.id)).not.toContain(created.body.id);
    const gone = await request(t.server)
      .delete(`/v1/admin/products/${created.body.id}`)
      .set('X-Api-Key', KEY);
    expect(gone.status).toBe(404);
  });

  it('refuses products the catalog import would refuse, and images that are not https URLs', async () => {
    const post = (body: object) =>
      request(t.server).post('/v1/admin/products').set('X-Api-Key', KEY).send(body);
    const noTitle = await post({ ...product, title: '' });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.message).toMatch(/title: must not be empty/);
    const local = await post({ ...product, images: ['file:///etc/passwd'] });
    expect(local.status).toBe(400);
    expect(local.body.error.message).toBe('images[0] must be an https:// URL');
    const unknown = await post({ ...product, titel: 'typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/property titel should not exist/);
    const currency = await post({ ...product, price: { amount: '1', currency: 'XXQ' } });
    expect(currency.status).toBe(400);
    expect(currency.body.error.message).toMatch(/ISO 4217/);
  });

  it('refuses identifiers with lone surrogates or bidi controls (400 naming the field) and stores SKUs in NFC', async () => {
    const post = (body: object) =>
      request(t.server).post('/v1/admin/products').set('X-Api-Key', KEY).send(body);
    for (const [field, value, problem] of [
      ['sku', 'ADM-LONE-\uD800', /^sku: must not contain a lone UTF-16 surrogate \(U\+D800 at index 9/],
      ['sku', 'ADM-LONE-\uDC00', /^sku: must not contain a lone UTF-16 surrogate \(U\+DC00 at index 9/],
      ['sku', 'ADM-\u202E1-EVIL', /^sku: must not contain bidirectional control characters \(U\+202E/],
      ['brand', 'Testware\u2067', /^brand: must not contain bidirectional control characters \(U\+2067/],
      ['category', 'Kitchen\u061C', /^category: must not contain bidirectional control characters \(U\+061C/],
    ] as const) {
      const res = await post({ ...product, [field]: value });
      expect({ field, status: res.status, code: res.body.error?.code }).toEqual({
        field,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.error.message).toMatch(problem);
      expect(res.body.error.details.fields).toEqual([expect.objectContaining({ field })]);
    }

    const brand = { decomposed: 'Cre\u0300me Testware', composed: 'Cr\u00E8me Testware' };
    const decomposed = await post({ ...product, sku: 'ADM-CAFE\u0301', brand: brand.decomposed }).expect(200);
    expect(decomposed.body).toMatchObject({ sku: 'ADM-CAF\u00C9', change: 'created' });
    const composed = await post({ ...product, sku: 'ADM-CAF\u00C9', brand: brand.composed }).expect(200);
    expect(composed.body).toEqual({
      id: decomposed.body.id,
      sku: 'ADM-CAF\u00C9',
      change: 'unchanged',
      indexQueued: false,
    });
    await waitForIdle(t.queue);
    // A brand filter typed either way finds the product.
    for (const spelling of [brand.decomposed, brand.composed]) {
      const found = await request(t.server)
        .post('/v1/search/text')
        .send({ query: 'zyxwv teapot', filters: { brand: spelling } })
        .expect(200);
      expect((found.body as { items: { sku: string }[] }).items.map((i) => i.sku)).toEqual(['ADM-CAF\u00C9']);
    }
  });

  it('starts a reindex and reports its progress as JSON and as a server-sent event stream', async () => {
    await request(t.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send({ ...product, sku: 'ADM-2' })
      .expect(200);
    await waitForIdle(t.queue);
    const started = await request(t.server).post('/v1/admin/reindex').set('X-Api-Key', KEY).expect(202);
    const { jobId, progressUrl, eventsUrl } = started.body as {
      jobId: string;
      progressUrl: string;
      eventsUrl: string;
    };
    expect(jobId).toMatch(/^reindex\./);

    const events = await request(t.server)
      .get(eventsUrl)
      .set('X-Api-Key', KEY)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const data = (events.body as string)
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { state: string; done: number; total: number });
    expect(data.length).toBeGreaterThan(0);
    expect(data.at(-1)).toMatchObject({ state: 'completed' });

    const progress = await request(t.server).get(progressUrl).set('X-Api-Key', KEY).expect(200);
    expect(progress.body).toMatchObject({
      runId: jobId.replace('reindex.', ''),
      state: 'completed',
      step: 'finish',
    });
    const unknown = await request(t.server).get('/v1/admin/jobs/reindex.42').set('X-Api-Key', KEY);
    expect(unknown.status).toBe(404);
  }, 60_000);
});
