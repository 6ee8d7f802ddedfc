import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import {
  createCatalogDataSource,
  IndexStateRepository,
  ProductRepository,
  type CatalogDatabase,
} from '@vitrine/catalog';
import { BullmqJobQueue, jobIds } from '@vitrine/indexing';
import { EmbeddedVectorStore, PRODUCTS_ALIAS, iterateIds } from '@vitrine/vectors';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { TEST_REDIS_URL } from '../support/services';

/**
 * The fault test of the indexer: `kill -9` a worker in the middle of a full reindex of 2,000 products, start
 * another: the run completes, and the final collection holds every product exactly once.
 */
const PRODUCTS = 2000;
const ROOT = resolve(__dirname, '../..');
const IMAGES = join(ROOT, 'data/demo-catalog/images');

describe('indexer worker killed with -9 during a full reindex', () => {
  let db: TestDatabase;
  let catalog: CatalogDatabase;
  let dataDir: string;
  let redis: Redis;
  const prefix = `vitrine-crash-${randomUUID()}`;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    dataDir = mkdtempSync(join(tmpdir(), 'vitrine-crash-'));
    catalog = await createCatalogDataSource({ kind: 'postgres', url: db.url, poolSize: 4 });
    const images = readdirSync(IMAGES).filter((f) => f.endsWith('.png'));
    const products = Array.from({ length: PRODUCTS }, (_, i) => ({
      sku: `CRASH-${String(i).padStart(5, '0')}`,
      title: `Product ${i} ${images[i % images.length]!.replace(/[-.]/g, ' ')}`,
      description: null,
      brand: null,
      category: null,
      price: null,
      inStock: true,
      attributes: {},
      images: [pathToFileURL(join(IMAGES, images[i % images.length]!)).href],
    }));
    const repo = new ProductRepository(catalog);
    for (let i = 0; i < products.length; i += 500) await repo.upsertMany(products.slice(i, i + 500));
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await catalog.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function startWorker(): { child: ChildProcess; ready: Promise<string> } {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/indexer/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        DATA_DIR: dataDir,
        MODEL_DIR: DEMO_MODEL_DIR,
        INDEXER_CONCURRENCY: '4',
        INDEXER_LOCK_MS: '2000',
        EMBEDDING_BATCH_SIZE: '32',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /indexing with model (\S+)/.exec(out);
        if (m) res(m[1]!);
      });
      child.once('exit', (code) => rej(new Error(`worker exited with ${code} before it was ready: ${err}`)));
    });
    return { child, ready };
  }

  it('completes the run after a restart with every product exactly once', async () => {
    const first = startWorker();
    const modelId = await first.ready;
    const queue = new BullmqJobQueue({ connection: redis, prefix });
    const runId = String(Date.now());
    const jobId = jobIds.reindex(runId);
    await queue.enqueue({
      name: 'reindex',
      jobId,
      data: { runId, step: 'plan', modelId, startedAt: new Date().toISOString() },
    });

    // Kill it once a good part of the batches is done and others are in flight.
    for (;;) {
      const s = await queue.status(jobId);
      const total = (s?.data as { totalBatches?: number } | undefined)?.totalBatches ?? 0;
      if (total && s!.children.processed >= total * 0.3) break;
      if (s?.state === 'completed') throw new Error('the run finished before it could be interrupted');
      await new Promise((r) => setTimeout(r, 50));
    }
    const killed = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await killed;
    const interrupted = await queue.status(jobId);
    expect(interrupted?.state).not.toBe('completed');

    const second = startWorker();
    await second.ready;
    for (;;) {
      const s = await queue.status(jobId);
      if (s?.state === 'completed') break;
      if (s?.state === 'failed') throw new Error(`reindex failed: ${s.failedReason}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    expect(await stopped).toBe(0);
    await queue.close();

    const states = await new IndexStateRepository(catalog).counts(modelId);
    expect(states).toMatchObject({ indexed: PRODUCTS, failed: 0, pending: 0, missing: 0 });

    const store = await EmbeddedVectorStore.open(join(dataDir, 'vectors'));
    try {
      const live = await store.resolveAlias(PRODUCTS_ALIAS);
      expect(live).toContain(`g${runId}`);
      const ids: string[] = [];
      for await (const id of iterateIds(store, PRODUCTS_ALIAS)) ids.push(id);
      expect(ids).toHaveLength(PRODUCTS);
      expect(new Set(ids).size).toBe(PRODUCTS);
      const productIds: string[] = [];
      for await (const page of new ProductRepository(catalog).pages())
        productIds.push(...page.map((p) => p.id));
      expect(ids.sort()).toEqual(productIds.sort());
      expect(await store.listCollections()).toEqual([live]);
    } finally {
      await store.close();
    }
  }, 240_000);
});
