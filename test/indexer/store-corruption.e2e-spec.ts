import { randomUUID } from 'node:crypto';
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import Redis from 'ioredis';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { IndexStateRepository, ProductRepository, productAsInput } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import {
  IndexingScheduler,
  JOB_QUEUE,
  OutboxRelay,
  StoreReconciler,
  type StoreAudit,
} from '@vitrine/indexing';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ApiModule } from '../../apps/api/src/app.module';
import { configureApp, createHttpAdapter } from '../../apps/api/src/app.setup';
import { runIndexStatus, runIndexSync, type IndexIo } from '../../apps/cli/src/commands/indexing';
import { DEMO_MODEL_DIR, startIndexingStack, type IndexingStack } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';
import { TEST_REDIS_URL } from '../support/services';

/**
 * The corruption test of issue 11: each file type of the embedded vector store (log, snapshot, catalog and its
 * backup), damaged by a flipped byte and by a cut, then the indexing stack boots on it. The store opens, the loss
 * is logged with counts and reported by the store, and the boot reconcile re-indexes every product whose vectors
 * were lost: afterwards every product is found by a vector search again and the index state claims nothing the
 * store lacks. Before the fix, one flipped byte in the log silently dropped every later record while the index
 * state still said "indexed" and a sync queued nothing.
 */
const PRODUCTS = 40;
const IMAGES = resolve(__dirname, '../../data/demo-catalog/images');

let db: TestDatabase;
let dataDir: string;
let pristine: string;
let ids: string[];
const storeDir = () => join(dataDir, 'vectors');

async function boot(env: Record<string, string> = {}): Promise<IndexingStack> {
  return startIndexingStack(env, { role: 'worker' }, { db, dataDir });
}

/** The live collection's directory (the store is closed). */
async function liveDir(): Promise<string> {
  const text = await fs.readFile(join(storeDir(), 'catalog.json'), 'utf8');
  const catalog = JSON.parse(text) as { aliases: Record<string, string> };
  return join(storeDir(), 'collections', catalog.aliases[PRODUCTS_ALIAS]!);
}

async function restorePristine(): Promise<void> {
  await fs.rm(storeDir(), { recursive: true, force: true });
  await fs.cp(pristine, storeDir(), { recursive: true });
}

async function flipByte(file: string, fraction: number): Promise<void> {
  const buf = await fs.readFile(file);
  const at = Math.floor(buf.length * fraction);
  buf[at] = (buf[at] as number) ^ 0x5a;
  await fs.writeFile(file, buf);
}

async function cut(file: string, fraction: number): Promise<void> {
  const { size } = await fs.stat(file);
  await fs.truncate(file, Math.floor(size * fraction));
}

/** Every product is in the live collection with vectors of its current content, and a vector search finds it. */
async function expectEverythingSearchable(stack: IndexingStack): Promise<StoreAudit> {
  const audit = await stack.app.get(StoreReconciler).audit();
  expect(audit).toMatchObject({
    products: PRODUCTS,
    vectors: PRODUCTS,
    current: PRODUCTS,
    missing: 0,
    stale: 0,
    outdatedPayload: 0,
    orphans: 0,
    unfounded: 0,
  });
  const store = stack.app.get<VectorStore>(VECTOR_STORE);
  const points = await store.get(PRODUCTS_ALIAS, ids, { withVectors: true });
  expect(points).toHaveLength(PRODUCTS);
  for (const p of points) {
    const hits = await store.search(PRODUCTS_ALIAS, {
      vector: 'text',
      query: p.vectors!.text!,
      limit: 1,
      exact: true,
    });
    expect(hits[0]?.id).toBe(p.id);
  }
  const modelId = stack.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId;
  expect(await stack.app.get(IndexStateRepository).counts(modelId)).toMatchObject({
    indexed: PRODUCTS,
    pending: 0,
    failed: 0,
  });
  return audit;
}

beforeAll(async () => {
  db = await createTestDatabase('corruption');
  dataDir = await fs.mkdtemp(join(tmpdir(), 'vitrine-corruption-'));
  const images = readdirSync(IMAGES).filter((f) => f.endsWith('.png'));
  const stack = await boot();
  try {
    const result = await stack.app.get(ProductRepository).upsertMany(
      Array.from({ length: PRODUCTS }, (_, i) => ({
        sku: `DAMAGE-${String(i).padStart(3, '0')}`,
        title: `Product ${i} ${images[i % images.length]!.replace(/[-.]/g, ' ')}`,
        description: null,
        brand: null,
        category: null,
        price: { amount: String(10 + i), currency: 'EUR' },
        inStock: true,
        attributes: {},
        images: [pathToFileURL(join(IMAGES, images[i % images.length]!)).href],
      })),
    );
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    // The outbox empty too: a later boot's relay must not re-index what the tests expect the reconcile to find.
    await stack.app.get(OutboxRelay).relayAll();
    await waitForIdle(stack.app.get(JOB_QUEUE));
    ids = result.changed.map((c) => c.id);
    await expectEverythingSearchable(stack);
  } finally {
    await stack.close();
  }
  pristine = `${dataDir}-pristine`;
  await fs.cp(storeDir(), pristine, { recursive: true });
}, 180_000);

afterAll(async () => {
  await db?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(pristine, { recursive: true, force: true });
});

let errors: jest.SpyInstance;
let warnings: jest.SpyInstance;
beforeEach(async () => {
  await restorePristine();
  errors = jest.spyOn(Logger.prototype, 'error');
  warnings = jest.spyOn(Logger.prototype, 'warn');
});
afterEach(() => {
  errors.mockRestore();
  warnings.mockRestore();
});

/** What the stack logged as errors and warnings (the test logger prints neither). */
const logged = () =>
  [...errors.mock.calls, ...warnings.mock.calls].map((c: unknown[]) => String(c[0])).join('\n');

/** Folds the log into a snapshot, so the damage hits `segment-1.bin` (the log is then empty). */
async function compacted(): Promise<void> {
  const stack = await boot({ LOG_LEVEL: 'error' });
  try {
    const store = stack.app.get<VectorStore & { compact(): Promise<void> }>(VECTOR_STORE);
    await store.count(PRODUCTS_ALIAS);
    await store.compact();
  } finally {
    await stack.close();
  }
}

type Damage = (dir: string) => Promise<void>;
const cases: [string, 'wal' | 'segment' | 'catalog', boolean, Damage][] = [
  ['a flipped byte in the log', 'wal', false, (d) => flipByte(join(d, 'wal-0.log'), 0.3)],
  ['the log cut short', 'wal', false, (d) => cut(join(d, 'wal-0.log'), 0.5)],
  ['a flipped byte in the snapshot', 'segment', true, (d) => flipByte(join(d, 'segment-1.bin'), 0.5)],
  ['the snapshot cut short', 'segment', true, (d) => cut(join(d, 'segment-1.bin'), 0.7)],
  ['a flipped byte in catalog.json', 'catalog', false, () => flipByte(join(storeDir(), 'catalog.json'), 0.6)],
  ['catalog.json cut short', 'catalog', false, () => cut(join(storeDir(), 'catalog.json'), 0.5)],
  [
    'a flipped byte in catalog.json.bak',
    'catalog',
    false,
    () => flipByte(join(storeDir(), 'catalog.json.bak'), 0.6),
  ],
];

describe.each(cases)('the embedded store after %s', (_name, kind, snapshot, damage) => {
  it('boots, logs and counts the loss, and the reconcile makes every product searchable again', async () => {
    if (snapshot) await compacted();
    await damage(await liveDir());
    errors.mockClear();
    warnings.mockClear();
    const stack = await boot();
    try {
      // What the store found while opening: the file, what it kept, what it dropped, where the copy is.
      const found = stack.app.get<VectorStore>(VECTOR_STORE).damage?.() ?? [];
      expect(found).toEqual([expect.objectContaining({ kind, copy: expect.stringMatching(/\.corrupt-/) })]);
      expect(logged()).toMatch(
        /(corruption|torn write) in .*: kept \d+ intact records?, dropped \d+ \(\d+ bytes\)/,
      );
      if (kind !== 'catalog') {
        // Vectors were lost: the boot reconcile says how many and re-queues them.
        expect(found[0]!.bytesDiscarded).toBeGreaterThan(0);
        expect(logged()).toMatch(/\d+ products? marked indexed had no current vectors in the store/);
      }
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
    } finally {
      await stack.close();
    }
  }, 120_000);
});

describe('the index state never claims vectors the store lacks', () => {
  it('`audit` (what `index status` prints) shows the loss, and `reconcile` (`index sync`) repairs it', async () => {
    await cut(join(await liveDir(), 'wal-0.log'), 0.5);
    // No boot reconcile: the store as `vitrine index status` finds it after the damage.
    const stack = await startIndexingStack({}, { role: 'worker', syncAtBoot: false }, { db, dataDir });
    try {
      const audit = await stack.app.get(StoreReconciler).audit();
      expect(audit.missing).toBeGreaterThan(0);
      expect(audit.unfounded).toBe(audit.missing);
      expect(audit.current + audit.missing).toBe(PRODUCTS);
      expect(audit.vectors).toBe(audit.current);
      expect(audit.damage).toEqual([expect.objectContaining({ kind: 'wal', reason: 'torn' })]);
      const result = await stack.app.get(StoreReconciler).reconcile();
      expect(result.requeued).toBe(audit.missing);
      expect(result.queued).toBe(audit.missing);
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
    } finally {
      await stack.close();
    }
  }, 120_000);
});

describe('the API on a damaged store', () => {
  it('boots, serves every product again after its boot reconcile, and counts the damage in /metrics', async () => {
    await flipByte(join(await liveDir(), 'wal-0.log'), 0.3);
    const config = loadConfig(
      { DATABASE_URL: db.url, DATA_DIR: dataDir, MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' },
      resolve(__dirname, '../..'),
    );
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot(config)] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
      bodyParser: false,
      logger: false,
    });
    configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/vitrine_vector_store_damaged_files\{kind="wal"\} 1/);
      expect(metrics).toMatch(/vitrine_vector_store_damaged_files\{kind="segment"\} 0/);
      expect(metrics).toMatch(/vitrine_vector_store_discarded_bytes [1-9]\d*/);
      await waitForIdle(app.get(JOB_QUEUE));
      const audit = await app.get(StoreReconciler).audit();
      expect(audit).toMatchObject({ current: PRODUCTS, missing: 0, unfounded: 0 });
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('vitrine index status and index sync on a damaged store', () => {
  async function cli(command: (io: IndexIo) => Promise<number>): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const out = new PassThrough().on('data', (d: Buffer) => (stdout += d.toString()));
    const config = loadConfig({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      MODEL_DIR: DEMO_MODEL_DIR,
      LOG_LEVEL: 'error',
    });
    const code = await command({ config, stdout: out, stderr: new PassThrough().resume() });
    return { code, stdout };
  }

  it('status shows what the store really holds; sync re-queues what it lost and indexes it', async () => {
    await flipByte(join(await liveDir(), 'wal-0.log'), 0.3);
    const status = JSON.parse((await cli((io) => runIndexStatus(io, true))).stdout) as {
      products: { indexed: number };
      vectors: number;
      store: StoreAudit;
    };
    // The index state still says 40 indexed (that is what `index status` used to print, and all it printed)...
    expect(status.products.indexed).toBe(PRODUCTS);
    // ...but the store is audited product by product.
    const lost = status.store.missing;
    expect(lost).toBeGreaterThan(0);
    expect(status.store).toMatchObject({ products: PRODUCTS, current: PRODUCTS - lost, unfounded: lost });
    expect(status.vectors).toBe(PRODUCTS - lost);
    expect(status.store.damage).toEqual([expect.objectContaining({ kind: 'wal', reason: 'corrupt' })]);
    const text = (await cli((io) => runIndexStatus(io, false))).stdout;
    expect(text).toContain(`current vectors for ${PRODUCTS - lost} of ${PRODUCTS} products: ${lost} missing`);
    expect(text).toContain(`${lost} of them without those vectors in the store`);

    const sync = await cli((io) => runIndexSync(io, false));
    expect(sync.stdout).toContain(
      `${lost} products were marked indexed but had no current vectors in the store`,
    );
    expect(sync.stdout).toContain(`queued ${lost} products with missing or stale vectors`);
    expect(sync.code).toBe(0);
    const after = JSON.parse((await cli((io) => runIndexStatus(io, true))).stdout) as { store: StoreAudit };
    expect(after.store).toMatchObject({ current: PRODUCTS, missing: 0, stale: 0, unfounded: 0, damage: [] });
  }, 120_000);
});

describe('boot reconcile of an indexer on BullMQ', () => {
  const prefix = `vitrine-reconcile-${randomUUID()}`;
  const env = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix };
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs at boot (it used to run only in embedded mode), once while another indexer holds the lock', async () => {
    await cut(join(await liveDir(), 'wal-0.log'), 0.5);
    // Another indexer is reconciling: this one leaves it alone.
    await redis.set(`${prefix}:indexing:boot-reconcile`, 'someone-else', 'PX', 60_000);
    let stack = await boot(env);
    try {
      const audit = await stack.app.get(StoreReconciler).audit();
      expect(audit.unfounded).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
    await redis.del(`${prefix}:indexing:boot-reconcile`);
    stack = await boot(env);
    try {
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
      // The lock is released once the reconcile is done.
      expect(await redis.exists(`${prefix}:indexing:boot-reconcile`)).toBe(0);
    } finally {
      await stack.close();
    }
  }, 120_000);
});

describe('a store older than the index state (a restored backup, a log that lost its newest records)', () => {
  // Last in the file: it changes a product, so the pristine store is stale for it from here on.
  it('re-indexes the product whose stored vectors are from its previous content', async () => {
    let stack = await boot();
    let changed: { id: string; contentHash: string };
    try {
      const repo = stack.app.get(ProductRepository);
      const [product] = await repo.getByIds([ids[0]!]);
      const result = await repo.upsertMany([{ ...productAsInput(product!), title: 'Renamed product' }]);
      changed = result.changed[0]!;
      await stack.app.get(IndexingScheduler).productsChanged(result.changed);
      // Nothing left in the outbox for the next boot to relay: the reconcile alone must notice the stale vectors.
      await stack.app.get(OutboxRelay).relayAll();
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
    } finally {
      await stack.close();
    }
    await restorePristine();
    stack = await boot();
    try {
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
      const [point] = await stack.app.get<VectorStore>(VECTOR_STORE).get(PRODUCTS_ALIAS, [changed.id]);
      expect(point?.payload.contentHash).toBe(changed.contentHash);
      expect(logged()).toMatch(/1 product marked indexed had no current vectors in the store/);
    } finally {
      await stack.close();
    }
  }, 120_000);
});

describe('a log that lost a payload-only change (a new price: same content hash, same vectors)', () => {
  // After the test above: it changes a product's price.
  it('rewrites the outdated payload, so price filters answer from the catalog again', async () => {
    const wal = join(await liveDir(), 'wal-0.log');
    const before = (await fs.stat(wal)).size;
    let stack = await boot();
    const id = ids[1]!;
    try {
      await waitForIdle(stack.app.get(JOB_QUEUE));
      const repo = stack.app.get(ProductRepository);
      const [product] = await repo.getByIds([id]);
      const result = await repo.upsertMany([
        { ...productAsInput(product!), price: { amount: '999.00', currency: 'EUR' }, inStock: false },
      ]);
      await stack.app.get(IndexingScheduler).productsChanged(result.changed);
      // Nothing left in the outbox for the next boot to relay: the reconcile alone must notice the lost change.
      await stack.app.get(OutboxRelay).relayAll();
      await waitForIdle(stack.app.get(JOB_QUEUE));
      const [point] = await stack.app.get<VectorStore>(VECTOR_STORE).get(PRODUCTS_ALIAS, [id]);
      expect(point?.payload).toMatchObject({ price: 999, inStock: false });
    } finally {
      await stack.close();
    }
    // Everything written since this test started is cut off: the price change among it.
    await cut(wal, (before + 1) / (await fs.stat(wal)).size);
    warnings.mockClear();
    errors.mockClear();
    stack = await boot();
    try {
      await waitForIdle(stack.app.get(JOB_QUEUE));
      await expectEverythingSearchable(stack);
      const [point] = await stack.app.get<VectorStore>(VECTOR_STORE).get(PRODUCTS_ALIAS, [id]);
      expect(point?.payload).toMatchObject({ price: 999, inStock: false });
      expect(logged()).toMatch(/[1-9]\d* had an outdated payload/);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
