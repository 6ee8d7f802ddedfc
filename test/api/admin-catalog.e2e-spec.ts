import request from 'supertest';
import { startApiApp, type ApiTestApp } from './api-app';
import { waitForIdle } from '../support/queue-idle';

const KEY = 'catalog-k3y-0123456789';
const MAX_IMPORT_BYTES = 4096;

const skus = (body: unknown): string[] => (body as { items: { sku: string }[] }).items.map((p) => p.sku);

interface ImportJob {
  state: string;
  processed: number;
  total?: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: { line: number; message: string }[];
}

describe('admin catalog routes through HTTP', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp({ env: { ADMIN_API_KEYS: KEY, ADMIN_IMPORT_MAX_BYTES: String(MAX_IMPORT_BYTES) } });
  }, 120_000);
  afterAll(() => t?.close());

  const admin = {
    get: (path: string) => request(t.server).get(path).set('X-Api-Key', KEY),
    put: (path: string, body: object) => request(t.server).put(path).set('X-Api-Key', KEY).send(body),
    patch: (path: string, body: object) => request(t.server).patch(path).set('X-Api-Key', KEY).send(body),
    delete: (path: string) => request(t.server).delete(path).set('X-Api-Key', KEY),
    import: (jsonl: string) =>
      request(t.server).post('/v1/admin/import').set('X-Api-Key', KEY).attach('file', Buffer.from(jsonl), {
        filename: 'catalog.jsonl',
        contentType: 'application/x-ndjson',
      }),
  };
  const teapot = {
    title: 'Qwzx enamel teapot',
    brand: 'Testware',
    category: 'Kitchen',
    price: { amount: '24.50', currency: 'EUR' },
    images: [],
  };

  it.each([
    ['GET', '/v1/admin/products'],
    ['PATCH', '/v1/admin/products/2b0c1a9e-1111-4c4c-8888-000000000000'],
    ['PUT', '/v1/admin/products/by-sku/X-1'],
    ['DELETE', '/v1/admin/products/by-sku/X-1'],
    ['GET', '/v1/admin/index'],
    ['POST', '/v1/admin/import'],
    ['GET', '/v1/admin/imports/import.1'],
    ['GET', '/v1/admin/descriptions'],
  ])('%s %s needs the admin key', async (method, path) => {
    const call = request(t.server)[method.toLowerCase() as 'get'](path);
    const res = await (method === 'POST'
      ? call.attach('file', Buffer.from('{}\n'), 'c.jsonl')
      : call.send({}));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('upserts by SKU (created, then updated), patches one field, and deletes by SKU', async () => {
    const created = await admin.put('/v1/admin/products/by-sku/QW-TEAPOT-1', teapot).expect(200);
    expect(created.body).toMatchObject({ sku: 'QW-TEAPOT-1', change: 'created', indexQueued: true });
    const id = created.body.id as string;
    const updated = await admin
      .put('/v1/admin/products/by-sku/QW-TEAPOT-1', { ...teapot, inStock: false })
      .expect(200);
    expect(updated.body).toMatchObject({ id, change: 'updated' });

    const patched = await admin
      .patch(`/v1/admin/products/${id}`, { title: 'Qwzx cast-iron teapot' })
      .expect(200);
    expect(patched.body).toMatchObject({
      id,
      title: 'Qwzx cast-iron teapot',
      brand: 'Testware',
      inStock: false,
      price: { amount: '24.5', currency: 'EUR' },
      change: 'updated',
      indexQueued: true,
    });
    const shown = await request(t.server).get(`/v1/products/${id}`).expect(200);
    expect(shown.body.title).toBe('Qwzx cast-iron teapot');
    await waitForIdle(t.queue);
    const found = await request(t.server)
      .post('/v1/search/text')
      .send({ query: 'qwzx cast-iron teapot' })
      .expect(200);
    expect(found.body.items[0]).toMatchObject({ id, title: 'Qwzx cast-iron teapot' });

    const same = await admin
      .patch(`/v1/admin/products/${id}`, { title: 'Qwzx cast-iron teapot' })
      .expect(200);
    expect(same.body).toMatchObject({ change: 'unchanged', indexQueued: false });

    await admin
      .delete('/v1/admin/products/by-sku/QW-TEAPOT-1')
      .expect(200, { id, sku: 'QW-TEAPOT-1', deleted: true });
    await request(t.server).get(`/v1/products/${id}`).expect(404);
    const again = await admin.delete('/v1/admin/products/by-sku/QW-TEAPOT-1');
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
  });

  it('refuses bad PATCH and PUT bodies with a 400 naming the field, and unknown products with 404', async () => {
    const { body } = await admin
      .put('/v1/admin/products/by-sku/QW-MUG-2', { ...teapot, title: 'Qwzx mug' })
      .expect(200);
    for (const [patch, field] of [
      [{ title: '' }, 'title'],
      [{ price: { amount: 'cheap', currency: 'EUR' } }, 'price.amount'],
      [{ images: ['file:///etc/passwd'] }, 'images[0]'],
      [{ sku: 'OTHER' }, 'sku'],
      [{ inStock: 'yes' }, 'inStock'],
    ] as const) {
      const res = await admin.patch(`/v1/admin/products/${body.id}`, patch);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.message).toContain(field);
    }
    const noTitle = await admin.put('/v1/admin/products/by-sku/QW-NEW-3', { images: [] });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.message).toContain('title');
    const missing = await admin.patch('/v1/admin/products/2b0c1a9e-1111-4c4c-8888-000000000000', {
      title: 'x',
    });
    expect(missing.status).toBe(404);
  });

  it('lists products with their index state, by SKU prefix or title words, a page at a time', async () => {
    for (const n of [1, 2, 3])
      await admin
        .put(`/v1/admin/products/by-sku/LST-${n}`, { ...teapot, title: `Listed lamp ${n}` })
        .expect(200);
    await waitForIdle(t.queue);
    const first = await admin.get('/v1/admin/products?q=LST-&limit=2').expect(200);
    expect(skus(first.body)).toEqual(['LST-1', 'LST-2']);
    expect(first.body.items[0]).toMatchObject({
      title: 'Listed lamp 1',
      indexState: 'indexed',
      inStock: true,
    });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await admin
      .get(`/v1/admin/products?q=LST-&limit=2&cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(second.body).toMatchObject({ items: [{ sku: 'LST-3' }], nextCursor: null });
    const words = await admin.get('/v1/admin/products?q=lamp%203').expect(200);
    expect(skus(words.body)).toEqual(['LST-3']);
    const badCursor = await admin.get('/v1/admin/products?cursor=%25%25');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.message).toContain('cursor');
    const badLimit = await admin.get('/v1/admin/products?limit=0');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toContain('limit');
  });

  it('reports the index: model, counts by state and the reindex it started', async () => {
    await waitForIdle(t.queue);
    const before = await admin.get('/v1/admin/index').expect(200);
    expect(before.body).toMatchObject({ model: expect.any(String), reindex: null, failed: 0, pending: 0 });
    expect(before.body.products).toBe(before.body.indexed);
    const { body } = await request(t.server).post('/v1/admin/reindex').set('X-Api-Key', KEY).expect(202);
    await waitForIdle(t.queue);
    const after = await admin.get('/v1/admin/index').expect(200);
    expect(after.body.reindex).toMatchObject({ runId: expect.any(String), state: 'completed' });
    expect(after.body.collection).toEqual(expect.any(String));
    expect(body.jobId).toEqual(expect.any(String));
  });

  it('imports an uploaded JSONL catalog in the background with its counts and rejected lines', async () => {
    const lines = [
      JSON.stringify({ sku: 'IMP-1', title: 'Imported kettle', images: [] }),
      JSON.stringify({ sku: 'IMP-2', images: [] }),
      JSON.stringify({ sku: 'IMP-3', title: 'Local picture', images: ['pictures/kettle.jpg'] }),
      JSON.stringify({ sku: 'IMP-4', title: 'Imported toaster', images: ['https://img.invalid/t.jpg'] }),
    ].join('\n');
    const started = await admin.import(lines).expect(202);
    expect(started.body.progressUrl).toBe(`/v1/admin/imports/${started.body.jobId}`);
    const job = await finished(started.body.progressUrl as string);
    expect(job).toMatchObject({
      state: 'completed',
      processed: 4,
      total: 4,
      created: 2,
      updated: 0,
      failed: 2,
    });
    expect(job.errors.map((e) => e.line)).toEqual([2, 3]);
    expect(job.errors[0]!.message).toContain('title');
    expect(job.errors[1]!.message).toMatch(/images\[0\]: only https:\/\//);
    const listed = await admin.get('/v1/admin/products?q=IMP-').expect(200);
    expect(skus(listed.body)).toEqual(['IMP-1', 'IMP-4']);

    const again = await admin.import(lines).expect(202);
    const events = await admin
      .get(again.body.eventsUrl as string)
      .buffer(true)
      .parse(text)
      .expect(200);
    const last = (events.body as string)
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .pop()!;
    expect(JSON.parse(last.slice(5))).toMatchObject({
      state: 'completed',
      unchanged: 2,
      created: 0,
      failed: 2,
    });
  });

  it('refuses an upload without the file part, over ADMIN_IMPORT_MAX_BYTES, or not multipart, and unknown jobs', async () => {
    const none = await request(t.server).post('/v1/admin/import').set('X-Api-Key', KEY).field('x', '1');
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain('file');
    const big = await admin.import('x'.repeat(MAX_IMPORT_BYTES + 1));
    expect(big.status).toBe(413);
    expect(big.body.error.message).toContain('ADMIN_IMPORT_MAX_BYTES');
    const json = await request(t.server).post('/v1/admin/import').set('X-Api-Key', KEY).send({ file: 'x' });
    expect(json.status).toBe(415);
    await admin.get('/v1/admin/imports/import.nope').expect(404);
  });

  it('lists the description drafts waiting for review with their product title and picture', async () => {
    const { body } = await admin
      .put('/v1/admin/products/by-sku/DSC-1', { ...teapot, title: 'Described vase' })
      .expect(200);
    const draft = await request(t.server)
      .post(`/v1/products/${body.id}/description`)
      .set('X-Api-Key', KEY)
      .send({ style: 'short' })
      .expect(201);
    const queue = await admin.get('/v1/admin/descriptions?status=pending').expect(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        id: draft.body.id,
        productTitle: 'Described vase',
        productSku: 'DSC-1',
        imageUrl: null,
      }),
    ]);
    expect(queue.body.nextCursor).toBeNull();
    await request(t.server)
      .post(`/v1/admin/descriptions/${draft.body.id}/reject`)
      .set('X-Api-Key', KEY)
      .send({})
      .expect(200);
    expect((await admin.get('/v1/admin/descriptions').expect(200)).body.items).toEqual([]);
    expect((await admin.get('/v1/admin/descriptions?status=rejected').expect(200)).body.items).toHaveLength(
      1,
    );
    // Two more drafts: the queue pages oldest first.
    const more = [];
    for (const style of ['short', 'seo'])
      more.push(
        (
          await request(t.server)
            .post(`/v1/products/${body.id}/description`)
            .set('X-Api-Key', KEY)
            .send({ style })
            .expect(201)
        ).body.id as string,
      );
    const page1 = await admin.get('/v1/admin/descriptions?limit=1').expect(200);
    expect(page1.body).toMatchObject({ items: [{ id: more[0] }] });
    expect(page1.body.items).toHaveLength(1);
    const page2 = await admin
      .get(`/v1/admin/descriptions?limit=1&cursor=${page1.body.nextCursor}`)
      .expect(200);
    expect(page2.body).toMatchObject({ items: [{ id: more[1] }], nextCursor: null });
    const forged = await admin.get('/v1/admin/descriptions?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toContain('cursor');
    const bad = await admin.get('/v1/admin/descriptions?status=waiting');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('status');
  });

  async function finished(progressUrl: string): Promise<ImportJob> {
    for (;;) {
      const { body } = await admin.get(progressUrl).expect(200);
      if ((body as ImportJob).state !== 'running') return body as ImportJob;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

/** Collects a text/event-stream body as text (supertest buffers only known types). */
function text(res: request.Response, done: (e: Error | null, body: string) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (body += chunk));
  stream.on('end', () => done(null, body));
}
