import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CATALOG_DATABASE,
  CatalogImportService,
  IndexStateRepository,
  ProductRepository,
  productAsInput,
  type CatalogDatabase,
} from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import {
  DEMO_CATALOG,
  destroyStack,
  startIndexingStack,
  type IndexingStack,
} from '../../../test/support/indexing-app';
import { productInput } from '../../../test/support/catalog-fixtures';
import { waitForIdle } from '../../../test/support/queue-idle';
import { JOB_QUEUE, type JobQueue } from './queue/job-queue';
import { IndexingScheduler } from './services/indexing.scheduler';
import { IndexingService } from './services/indexing.service';
import { ProductVectorizer } from './services/product-vectors';

const DEMO_PRODUCTS = 482;

const modes: [string, Record<string, string>][] = [
  ['in-process queue', {}],
  ['BullMQ on Redis', { REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: `vitrine-test-${randomUUID()}` }],
];

describe.each(modes)('indexing the demo catalog end to end (%s)', (_mode, env) => {
  let stack: IndexingStack;
  let queue: JobQueue;
  let scheduler: IndexingScheduler;
  let products: ProductRepository;
  let states: IndexStateRepository;
  let store: VectorStore;
  let embedder: EmbeddingProvider;
  const embedded = () => {
    const s = embedder.stats();
    return { texts: s.texts.items, images: s.images.items };
  };

  beforeAll(async () => {
    stack = await startIndexingStack(env, { role: 'worker' });
    queue = stack.app.get(JOB_QUEUE);
    scheduler = stack.app.get(IndexingScheduler);
    products = stack.app.get(ProductRepository);
    states = stack.app.get(IndexStateRepository);
    store = stack.app.get(VECTOR_STORE);
    embedder = stack.app.get(EMBEDDING_PROVIDER);
  }, 60_000);
  afterAll(() => destroyStack(stack));

  it('indexes every product the catalog import enqueues', async () => {
    const report = await stack.app.get(CatalogImportService).importFile(DEMO_CATALOG, {
      onBatch: async (batch) => void (await scheduler.productsChanged(batch.changed)),
    });
    expect(report.created).toBe(DEMO_PRODUCTS);
    await waitForIdle(queue);
    expect(await states.counts(embedder.modelId)).toMatchObject({
      indexed: DEMO_PRODUCTS,
      failed: 0,
      pending: 0,
    });
    expect(await store.count(PRODUCTS_ALIAS)).toBe(DEMO_PRODUCTS);
    expect(embedded().texts).toBe(DEMO_PRODUCTS);
  }, 120_000);

  it('stores each product under its id: the nearest image neighbour of its image vector is itself', async () => {
    const sample = (await products.pages({ pageSize: 50 }).next()).value ?? [];
    const points = await store.get(
      PRODUCTS_ALIAS,
      sample.map((p) => p.id),
      { withVectors: true },
    );
    let self = 0;
    for (const p of points) {
      const hits = await store.search(PRODUCTS_ALIAS, {
        vector: 'image',
        query: p.vectors!.image!,
        limit: 1,
      });
      if (hits[0]?.id === p.id) self++;
      expect(p.payload.modelId).toBe(embedder.modelId);
    }
    expect(self).toBe(points.length);
  });

  it('embeds nothing on a second sync or a full reindex of an unchanged catalog, and switches the alias', async () => {
    const before = embedded();
    const live = await store.resolveAlias(PRODUCTS_ALIAS);
    expect(await scheduler.syncPending()).toBe(0);
    const jobId = await scheduler.startReindex();
    await waitForIdle(queue);
    const progress = await scheduler.reindexProgress(jobId);
    expect(progress).toMatchObject({ state: 'completed', done: DEMO_PRODUCTS, total: DEMO_PRODUCTS });
    expect(progress?.summary?.dropped).toEqual([live]);
    expect(embedded()).toEqual(before);
    const now = await store.resolveAlias(PRODUCTS_ALIAS);
    expect(now).not.toBe(live);
    expect(await store.listCollections()).toEqual([now]);
    expect(await store.count(PRODUCTS_ALIAS)).toBe(DEMO_PRODUCTS);
  }, 120_000);

  it('re-embeds exactly the product whose title changed', async () => {
    const product = (await products.getBySku('VT-GAR-01000'))!;
    const before = embedded();
    const result = await products.upsertMany([productAsInput(product, { title: 'Wedding Bouquet Deluxe' })]);
    expect(result.changed).toHaveLength(1);
    await scheduler.productsChanged(result.changed);
    await waitForIdle(queue);
    expect(embedded().texts - before.texts).toBe(1);
    expect(embedded().images - before.images).toBe(1);
    const state = await states.get(product.id, embedder.modelId);
    expect(state).toMatchObject({ status: 'indexed', vectorContentHash: result.changed[0]!.contentHash });
    const [point] = await store.get(PRODUCTS_ALIAS, [product.id]);
    expect(point?.payload.contentHash).toBe(result.changed[0]!.contentHash);
  }, 60_000);

  it('refreshes price and stock in the stored payload without running the model', async () => {
    const product = (await products.getBySku('VT-GAR-01002'))!;
    const before = embedded();
    const result = await products.upsertMany([
      productAsInput(product, { price: { amount: '123.45', currency: 'EUR' }, inStock: !product.inStock }),
    ]);
    expect(result.changed).toHaveLength(1);
    await scheduler.productsChanged(result.changed);
    await waitForIdle(queue);
    expect(embedded()).toEqual(before);
    const [point] = await store.get(PRODUCTS_ALIAS, [product.id]);
    expect(point?.payload).toMatchObject({ price: 123.45, inStock: !product.inStock });
    const hits = await store.count(PRODUCTS_ALIAS, { price: { gte: 123, lte: 124 } });
    expect(hits).toBe(1);
  });

  it('stores a price changed while its product was being embedded, not the price it read', async () => {
    const product = (await products.getBySku('VT-GAR-01004'))!;
    const vectorizer = stack.app.get(ProductVectorizer);
    const vectorize = vectorizer.vectorize.bind(vectorizer);
    // The change's own job never runs (as when the queue deduplicated it against this running job): SQL, no outbox.
    const spy = jest.spyOn(vectorizer, 'vectorize').mockImplementationOnce(async (p) => {
      await stack.app
        .get<CatalogDatabase>(CATALOG_DATABASE)
        .dataSource.query('UPDATE products SET price_amount = 77.70 WHERE id = $1::uuid', [p.id]);
      return vectorize(p);
    });
    try {
      await stack.app.get(IndexingService).indexProduct(product.id, { force: true });
    } finally {
      spy.mockRestore();
    }
    const [point] = await store.get(PRODUCTS_ALIAS, [product.id]);
    expect(point?.payload.price).toBe(77.7);
  });

  it('removes a deleted product from the index', async () => {
    const product = (await products.getBySku('VT-GAR-01001'))!;
    await scheduler.productDeleted(product.id);
    await waitForIdle(queue);
    expect(await store.get(PRODUCTS_ALIAS, [product.id])).toEqual([]);
  });

  it('removes the vectors of products deleted behind its back (in SQL), and only those', async () => {
    const gone = (await products.getBySku('VT-GAR-01002'))!;
    const kept = (await products.getBySku('VT-GAR-01003'))!;
    // No delete job: the indexer never hears of it (a delete through ProductRepository is announced to the relay).
    await stack.app
      .get<CatalogDatabase>(CATALOG_DATABASE)
      .dataSource.query('DELETE FROM products WHERE id = $1::uuid', [gone.id]);
    expect(await store.get(PRODUCTS_ALIAS, [gone.id])).toHaveLength(1);
    const before = await store.count(PRODUCTS_ALIAS);

    expect(await stack.app.get(IndexingService).removeOrphans()).toBe(1);
    expect(await store.get(PRODUCTS_ALIAS, [gone.id])).toEqual([]);
    expect(await store.get(PRODUCTS_ALIAS, [kept.id])).toHaveLength(1);
    expect(await store.count(PRODUCTS_ALIAS)).toBe(before - 1);
    expect(await stack.app.get(IndexingService).removeOrphans()).toBe(0);
  });
});

describe('indexing failures end as failed products with a reason while the rest index', () => {
  let stack: IndexingStack;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await destroyStack(stack);
    await new Promise((r) => server.close(r));
  });

  it('records corrupt images, 404s and refused private addresses, and indexes the good product', async () => {
    // Private addresses are refused by default; the 404 server is on loopback, so it gets its own policy run below.
    stack = await startIndexingStack({}, { role: 'worker' });
    const corrupt = join(stack.dataDir, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]));
    const good = pathToFileURL(join(__dirname, '../../../data/demo-catalog/images/bouquet.png')).href;
    const result = await stack.app.get(ProductRepository).upsertMany([
      productInput({ sku: 'GOOD', title: 'Bouquet', images: [good] }),
      productInput({ sku: 'CORRUPT', title: 'Broken', images: [pathToFileURL(corrupt).href] }),
      productInput({
        sku: 'PRIVATE',
        title: 'Metadata',
        images: ['https://169.254.169.254/latest/meta-data/x.png'],
      }),
      productInput({
        sku: 'PARTIAL',
        title: 'Two images, one bad',
        images: [good, pathToFileURL(corrupt).href],
      }),
    ]);
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(stack.app.get(JOB_QUEUE));
    const reasons = await stateBySku(stack);
    expect(reasons.GOOD).toMatchObject({ status: 'indexed' });
    expect(reasons.PARTIAL).toMatchObject({ status: 'indexed' });
    expect(reasons.CORRUPT?.status).toBe('failed');
    expect(reasons.CORRUPT?.error).toMatch(/IMAGE_INVALID|UNSUPPORTED_MEDIA/);
    expect(reasons.PRIVATE?.status).toBe('failed');
    expect(reasons.PRIVATE?.error).toMatch(/FETCH_FORBIDDEN.*169\.254\.169\.254/);
    const partial = await stack.app.get(ProductRepository).getBySku('PARTIAL');
    expect(partial?.images.map((i) => i.status)).toEqual(['ok', 'failed']);
    expect(await stack.app.get<VectorStore>(VECTOR_STORE).count(PRODUCTS_ALIAS)).toBe(2);
    await stack.close();
  }, 60_000);

  it('records a 404 as a permanent failure', async () => {
    stack = await startIndexingStack(
      { IMAGE_FETCH_ALLOW_PRIVATE: 'true' },
      { role: 'worker' },
      { db: stack.db, dataDir: stack.dataDir },
    );
    const result = await stack.app
      .get(ProductRepository)
      .upsertMany([productInput({ sku: 'GONE', title: 'Gone', images: [`${base}/gone.png`] })]);
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(stack.app.get(JOB_QUEUE));
    const reasons = await stateBySku(stack);
    expect(reasons.GONE).toMatchObject({ status: 'failed' });
    expect(reasons.GONE?.error).toMatch(/FETCH_FAILED.*HTTP 404/);
  }, 60_000);
});

async function stateBySku(stack: IndexingStack) {
  const products = stack.app.get(ProductRepository);
  const states = stack.app.get(IndexStateRepository);
  const modelId = stack.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId;
  const out: Record<string, { status: string; error: string | null } | undefined> = {};
  for await (const page of products.pages()) {
    for (const p of page) {
      const s = await states.get(p.id, modelId);
      out[p.sku] = s ? { status: s.status, error: s.error } : undefined;
    }
  }
  return out;
}
