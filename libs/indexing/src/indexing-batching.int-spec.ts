import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import {
  DEMO_DIR,
  destroyStack,
  startIndexingStack,
  type IndexingStack,
} from '../../../test/support/indexing-app';
import { productInput } from '../../../test/support/catalog-fixtures';
import { waitForIdle } from '../../../test/support/queue-idle';
import { JOB_QUEUE, type JobQueue } from './queue/job-queue';
import { IndexingScheduler } from './services/indexing.scheduler';

const PRODUCTS = 32;
const CONCURRENCY = 8;

/**
 * The indexer's jobs run side by side: their product reads, vector writes and index-state writes are shared
 * statements, not one round trip per product (issue 16, goal 4). Counted on the real repositories and store
 * (spies that call through), with the real model, PostgreSQL and embedded store.
 */
describe('indexing shares round trips between concurrent jobs', () => {
  let stack: IndexingStack;

  beforeAll(async () => {
    stack = await startIndexingStack({ INDEXER_CONCURRENCY: String(CONCURRENCY) }, { role: 'worker' });
  }, 60_000);
  afterAll(() => destroyStack(stack));

  it(`indexes ${PRODUCTS} products with fewer reads and writes than products, and every one lands`, async () => {
    const products = stack.app.get(ProductRepository);
    const states = stack.app.get(IndexStateRepository);
    const store = stack.app.get<VectorStore>(VECTOR_STORE);
    const embedder = stack.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    const pictures = readdirSync(join(DEMO_DIR, 'images')).slice(0, PRODUCTS);
    await products.upsertMany(
      pictures.map((file, i) =>
        productInput({
          sku: `BATCH-${i}`,
          title: `Product ${i} (${file})`,
          images: [pathToFileURL(join(DEMO_DIR, 'images', file)).href],
        }),
      ),
    );
    const reads = jest.spyOn(products, 'getByIds');
    const upserts = jest.spyOn(store, 'upsert');
    const marks = jest.spyOn(states, 'markIndexed');

    expect(await stack.app.get(IndexingScheduler).syncPending()).toBe(PRODUCTS);
    await waitForIdle(stack.app.get<JobQueue>(JOB_QUEUE));

    // Every product is indexed, its vectors stored under its own id.
    expect((await states.counts(embedder.modelId)).indexed).toBe(PRODUCTS);
    const stored = await store.scrollIds(PRODUCTS_ALIAS, { limit: PRODUCTS + 10 });
    expect(stored.ids).toHaveLength(PRODUCTS);
    // Each job on its own makes two product reads, one vector write and one state write per product; how many
    // jobs share one depends on how they drift apart on a busy machine, so only "shared at all" is asserted.
    expect(upserts.mock.calls.length).toBeLessThan(PRODUCTS);
    expect(upserts.mock.calls.reduce((n, [, points]) => n + points.length, 0)).toBe(PRODUCTS);
    expect(marks.mock.calls.length).toBeLessThan(PRODUCTS);
    expect(reads.mock.calls.length).toBeLessThan(2 * PRODUCTS);
  }, 120_000);
});
