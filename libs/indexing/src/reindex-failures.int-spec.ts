import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@nestjs/common';
import { IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_NAMES, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { destroyStack, startIndexingStack, type IndexingStack } from '../../../test/support/indexing-app';
import { productInput } from '../../../test/support/catalog-fixtures';
import { waitForIdle } from '../../../test/support/queue-idle';
import { JOB_QUEUE, type JobQueue } from './queue/job-queue';
import { LiveCollections } from './services/collections';
import { IndexingScheduler } from './services/indexing.scheduler';
import { ReindexService } from './services/reindex.service';

const modes: [string, Record<string, string>][] = [
  ['in-process queue', {}],
  ['BullMQ on Redis', { REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: `vitrine-test-${randomUUID()}` }],
];

const GOOD_IMAGE = pathToFileURL(join(__dirname, '../../../data/demo-catalog/images/bouquet.png')).href;

/**
 * One product whose picture answers 404 (permanent) and one whose picture server refuses connections (transient,
 * so retried until the last attempt) among three good ones: a full reindex must still finish, and say why those
 * two are missing.
 */
describe.each(modes)('a full reindex with products that cannot be indexed (%s)', (_mode, modeEnv) => {
  let stack: IndexingStack;
  let notFound: http.Server;
  let gone: string;
  let refused: string;
  let warnings: jest.SpyInstance;
  let errors: jest.SpyInstance;
  const env = (ratio: string) => ({
    ...modeEnv,
    IMAGE_FETCH_ALLOW_PRIVATE: 'true',
    REINDEX_MAX_FAILED_RATIO: ratio,
  });
  const logged = (spy: jest.SpyInstance) => spy.mock.calls.map((c: unknown[]) => String(c[0])).join('\n');
  const get: IndexingStack['app']['get'] = (token: unknown) => stack.app.get(token as string);
  const embedder = () => get<EmbeddingProvider>(EMBEDDING_PROVIDER);
  const modelId = () => embedder().modelId;

  beforeAll(async () => {
    notFound = http.createServer((_req, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    await new Promise<void>((r) => notFound.listen(0, '127.0.0.1', r));
    gone = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}/gone.png`;
    // A port that was just free: connecting is refused (a transient error, retried with backoff).
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/refused.png`;
    await new Promise((r) => closed.close(r));

    stack = await startIndexingStack(env('0.5'), { role: 'worker' });
    await get(ProductRepository).upsertMany([
      ...[1, 2, 3].map((i) =>
        productInput({ sku: `GOOD-${i}`, title: `Bouquet ${i}`, images: [GOOD_IMAGE] }),
      ),
      productInput({ sku: 'GONE', title: 'Picture answers 404', images: [gone] }),
      productInput({ sku: 'REFUSED', title: 'Picture server down', images: [refused] }),
    ]);
  }, 60_000);
  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn');
    errors = jest.spyOn(Logger.prototype, 'error');
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await destroyStack(stack);
    await new Promise((r) => notFound.close(r));
  });

  it('finishes with the products it could index, switches the alias, and records and logs each failure', async () => {
    const store = get<VectorStore>(VECTOR_STORE);
    const before = await store.resolveAlias(PRODUCTS_ALIAS);
    const scheduler = get(IndexingScheduler);
    const jobId = await scheduler.startReindex();

    // While it runs (the refused picture is retried for seconds), its collection is never taken for abandoned.
    let running = await scheduler.reindexProgress(jobId);
    while (!running || running.state === 'waiting' || running.state === 'active') {
      await new Promise((r) => setTimeout(r, 50));
      running = await scheduler.reindexProgress(jobId);
    }
    expect(running.state).toBe('waiting-children');
    expect(await get(ReindexService).dropAbandoned()).toEqual([]);
    expect(await store.listCollections()).toContain(running.collection);

    await waitForIdle(get<JobQueue>(JOB_QUEUE));
    const progress = await scheduler.reindexProgress(jobId);
    expect(progress).toMatchObject({ state: 'completed', done: 5, total: 5, failed: 2 });
    expect(progress?.summary).toMatchObject({ products: 5, failed: 2, dropped: [before] });
    const live = await store.resolveAlias(PRODUCTS_ALIAS);
    expect(live).toBe(progress?.collection);
    expect(await store.listCollections()).toEqual([live]);
    expect(await store.count(PRODUCTS_ALIAS)).toBe(3);

    const failures = await get(IndexStateRepository).failures(modelId());
    expect(failures.total).toBe(2);
    const reasons = Object.fromEntries(failures.items.map((f) => [f.sku, f.reason]));
    expect(reasons.GONE).toMatch(/^FETCH_FAILED: .*404/);
    expect(reasons.REFUSED).toMatch(/^UNAVAILABLE: /);

    const warned = logged(warnings);
    expect(warned).toMatch(/product GONE \(.+\) failed: FETCH_FAILED/);
    expect(warned).toMatch(/product REFUSED \(.+\) failed: UNAVAILABLE/);
    expect(warned).toMatch(/alias now on .+; 2 of 5 products could not be indexed/);
  }, 120_000);

  it('records a product whose picture server stays down as failed with the reason, not as missing', async () => {
    const product = (await get(ProductRepository).getBySku('REFUSED'))!;
    await get(IndexStateRepository).markPending(modelId(), [product.id]);
    await get(IndexingScheduler).productsChanged([product]);
    await waitForIdle(get<JobQueue>(JOB_QUEUE));
    const state = await get(IndexStateRepository).get(product.id, modelId());
    expect(state?.status).toBe('failed');
    expect(state?.error).toMatch(/^UNAVAILABLE: /);
    expect(logged(warnings)).toMatch(/product REFUSED \(.+\) failed: UNAVAILABLE/);
  }, 60_000);

  it('never puts a collection that lost points in front of searches: the alias stays on the old one', async () => {
    const store = get<VectorStore>(VECTOR_STORE);
    const live = await store.resolveAlias(PRODUCTS_ALIAS);
    const switchAlias = store.switchAlias.bind(store);
    // A write the store acknowledged and then lost, found just before the switch.
    jest.spyOn(store, 'switchAlias').mockImplementation(async (alias, collection, options) => {
      const [first] = (await store.scrollIds(collection, { limit: 1 })).ids;
      if (first) await store.delete(collection, [first], { wait: true });
      return switchAlias(alias, collection, options);
    });
    const scheduler = get(IndexingScheduler);
    const jobId = await scheduler.startReindex();
    await waitForIdle(get<JobQueue>(JOB_QUEUE));
    const progress = await scheduler.reindexProgress(jobId);
    expect(progress?.state).toBe('failed');
    expect(progress?.failedReason).toMatch(
      /holds 2 points of the 3 expected; the alias keeps its current collection/,
    );
    expect(await store.resolveAlias(PRODUCTS_ALIAS)).toBe(live);
    expect(await store.count(PRODUCTS_ALIAS)).toBe(3);
  }, 120_000);

  it('over REINDEX_MAX_FAILED_RATIO: fails with the reason, keeps the alias, deletes its collection and leftovers', async () => {
    await stack.close();
    stack = await startIndexingStack(env('0'), { role: 'worker' }, { db: stack.db, dataDir: stack.dataDir });
    const store = get<VectorStore>(VECTOR_STORE);
    const live = await store.resolveAlias(PRODUCTS_ALIAS);
    // What a run that crashed after creating its collection leaves behind; nothing in the queue knows it.
    const crashed = get(LiveCollections).collectionFor(Date.now() - 1000);
    await store.ensureCollection({ name: crashed, dim: embedder().dim, vectors: VECTOR_NAMES });

    const scheduler = get(IndexingScheduler);
    const jobId = await scheduler.startReindex();
    await waitForIdle(get<JobQueue>(JOB_QUEUE));
    const progress = await scheduler.reindexProgress(jobId);
    expect(progress).toMatchObject({ state: 'failed', done: 5, total: 5, failed: 2 });
    expect(progress?.failedReason).toMatch(
      /^TOO_MANY_FAILURES: 2 of 5 products \(40%\) could not be indexed, over the REINDEX_MAX_FAILED_RATIO limit of 0%/,
    );
    expect(await store.resolveAlias(PRODUCTS_ALIAS)).toBe(live);
    expect(await store.listCollections()).toEqual([live]);
    expect(await store.count(PRODUCTS_ALIAS)).toBe(3);
    expect(logged(errors)).toMatch(/TOO_MANY_FAILURES|2 of 5 products \(40%\) could not be indexed/);
  }, 120_000);

  it('drops at boot a collection left by a run that never finished, and keeps the live one', async () => {
    const store = get<VectorStore>(VECTOR_STORE);
    const live = await store.resolveAlias(PRODUCTS_ALIAS);
    const crashed = get(LiveCollections).collectionFor(Date.now());
    await store.ensureCollection({ name: crashed, dim: embedder().dim, vectors: VECTOR_NAMES });
    await stack.close();
    stack = await startIndexingStack(env('0'), { role: 'worker' }, { db: stack.db, dataDir: stack.dataDir });
    expect(await get<VectorStore>(VECTOR_STORE).listCollections()).toEqual([live]);
    expect(await get<VectorStore>(VECTOR_STORE).count(PRODUCTS_ALIAS)).toBe(3);
  }, 60_000);
});
