import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DomainError } from '@vitrine/core';
import { CatalogImportService, ProductRepository } from '@vitrine/catalog';
import {
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { syntheticCatalogLines, syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { TEST_REDIS_URL } from '../../../../test/support/services';
import { BullmqJobQueue } from '../queue/bullmq-job-queue';
import { jobIds } from '../queue/job-definitions';
import type { JobQueue, JobRequest } from '../queue/job-queue';
import { OutboxRelay } from './outbox-relay';

const MODEL = 'test-model@1';

/** A port nothing listens on: Redis "down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The producer connection the IndexingModule builds: no offline queue. */
const producerRedis = (url: string) =>
  new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }).on('error', () => undefined);

/** The real queue behind a switch: while `down`, every call is refused as Redis would refuse it. */
class SwitchedQueue implements JobQueue {
  down = false;
  /** Accept the jobs, then fail as a process killed before it could mark its rows done. */
  crashAfterEnqueue = false;
  constructor(private readonly real: JobQueue) {}
  enqueue(): Promise<string> {
    return Promise.reject(new Error('not used'));
  }
  async enqueueBulk(requests: readonly JobRequest[]): Promise<string[]> {
    if (this.down) throw new DomainError('UNAVAILABLE', 'the job queue (Redis) is unreachable');
    const ids = await this.real.enqueueBulk(requests);
    if (this.crashAfterEnqueue) throw new Error('killed before marking the rows done');
    return ids;
  }
  status(jobId: string) {
    return this.real.status(jobId);
  }
  counts() {
    return this.real.counts();
  }
  consume(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }
  close() {
    return Promise.resolve();
  }
}

describe('outbox relay on PostgreSQL and Redis', () => {
  let cat: TestCatalog;
  let redis: Redis;
  let queue: BullmqJobQueue;
  beforeAll(async () => {
    cat = await openTestCatalog('postgres');
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(async () => {
    await cat?.close();
  });
  beforeEach(async () => {
    await cat.reset();
    redis = producerRedis(TEST_REDIS_URL);
    queue = new BullmqJobQueue({
      connection: redis,
      prefix: `vitrine-relay-${randomUUID()}`,
      timeoutMs: 2000,
    });
  });
  afterEach(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    jest.restoreAllMocks();
  });

  const waiting = async () => (await queue.counts()).waiting;

  it('with Redis unreachable, gives up within the timeout and keeps the rows; once it answers, each row is one job', async () => {
    const { changed } = await cat.products.upsertMany(syntheticProducts(3));
    await cat.products.delete([changed[2]!.id]);

    const deadRedis = producerRedis(`redis://127.0.0.1:${await closedPort()}`);
    const dead = new BullmqJobQueue({ connection: deadRedis, prefix: 'vitrine-dead', timeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(
        new OutboxRelay(cat.outbox, dead, MODEL, { pollMs: 1000 }).relayAll(),
      ).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      deadRedis.disconnect();
    }
    expect((await cat.outbox.backlog()).pending).toBe(4);

    expect(await new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 1000 }).relayAll()).toBe(4);
    expect(await cat.outbox.backlog()).toEqual({ pending: 0, oldestAgeSeconds: null });
    // An index job per product (the deleted one's too: it finds no product), a delete job.
    for (const c of changed) {
      const id = jobIds.indexProduct({ productId: c.id, contentHash: c.contentHash, modelId: MODEL });
      expect(await queue.status(id)).toMatchObject({ name: 'index-product', state: 'waiting' });
    }
    expect(await queue.status(jobIds.deleteProduct({ productId: changed[2]!.id }))).toMatchObject({
      name: 'delete-product',
      state: 'waiting',
    });
    expect(await waiting()).toBe(4);
  });

  it('relays a row twice as one job: a relay killed after the queue accepted its batch', async () => {
    const { changed } = await cat.products.upsertMany(syntheticProducts(5));
    await cat.products.delete([changed[0]!.id]);
    const crashing = new SwitchedQueue(queue);
    crashing.crashAfterEnqueue = true;
    await expect(new OutboxRelay(cat.outbox, crashing, MODEL, { pollMs: 1000 }).relayAll()).rejects.toThrow(
      'killed',
    );
    expect((await cat.outbox.backlog()).pending).toBe(6);
    expect(await waiting()).toBe(6);

    expect(await new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 1000 }).relayAll()).toBe(6);
    expect((await cat.outbox.backlog()).pending).toBe(0);
    expect(await waiting()).toBe(6);
  });

  it('shares the rows between relays running at once: every row relayed, each one job', async () => {
    await cat.products.upsertMany(syntheticProducts(300));
    const relays = Array.from(
      { length: 3 },
      () => new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 1000, batchSize: 20 }),
    );
    const relayed = await Promise.all(relays.map((r) => r.relayAll()));
    expect(relayed.reduce((a, b) => a + b, 0)).toBe(300);
    expect(relayed.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(await waiting()).toBe(300);
    expect((await cat.outbox.backlog()).pending).toBe(0);
  });

  it('retries with backoff while the queue is down, logging the outage once and the recovery once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const switched = new SwitchedQueue(queue);
    switched.down = true;
    const relay = new OutboxRelay(cat.outbox, switched, MODEL, { pollMs: 20, maxBackoffMs: 60 });
    relay.start();
    try {
      await cat.products.upsertMany(syntheticProducts(2));
      await sleep(500);
      expect(await relay.status()).toMatchObject({ pending: 2, queue: 'down' });
      // A writer does not wait on a queue known to be down: the relay answers the announcement at once.
      const announced = Date.now();
      await cat.outbox.committed();
      expect(Date.now() - announced).toBeLessThan(100);
      await cat.products.upsertMany(syntheticProducts(3, { skuPrefix: 'LATER' }));

      switched.down = false;
      for (let i = 0; i < 100 && (await relay.status()).pending > 0; i++) await sleep(50);
      expect(await relay.status()).toEqual({ pending: 0, oldestAgeSeconds: null, queue: 'up' });
      expect(await waiting()).toBe(5);
    } finally {
      await relay.stop();
    }
    const outage = warn.mock.calls.filter(([m]) => String(m).includes('refuses work'));
    const recovery = log.mock.calls.filter(([m]) => String(m).includes('accepts work again'));
    expect(outage).toHaveLength(1);
    expect(recovery).toHaveLength(1);
    expect(String(recovery[0]![0])).toMatch(/relayed 5 held changes/);
  });

  describe('every catalog entry point reaches the queue through CatalogChanges and the relay alone', () => {
    let relay: OutboxRelay;
    let dir: string;
    const indexJob = (c: { id: string; contentHash: string }) =>
      jobIds.indexProduct({ productId: c.id, contentHash: c.contentHash, modelId: MODEL });
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-relay-'));
    });
    afterEach(async () => {
      await relay?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('an admin upsert or delete (ProductRepository) has its job when the write returns', async () => {
      // Polling once a minute: only the commit's announcement can move the rows within this test.
      relay = new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 60_000 });
      relay.start();
      await sleep(100);
      const { changed } = await cat.products.upsertMany(syntheticProducts(2));
      for (const c of changed)
        expect(await queue.status(indexJob(c))).toMatchObject({ name: 'index-product', state: 'waiting' });
      // A price change alone is a change too (the indexer refreshes the payload without embedding again).
      const [first] = syntheticProducts(1);
      const repriced = await cat.products.upsertMany([
        { ...first!, price: { amount: '999.00', currency: 'EUR' } },
      ]);
      expect(repriced.changed).toHaveLength(1);
      expect(repriced.changed[0]!.contentHash).toBe(changed[0]!.contentHash);
      expect((await cat.outbox.backlog()).pending).toBe(0);
      expect(await cat.products.delete([changed[1]!.id])).toBe(1);
      expect(await queue.status(jobIds.deleteProduct({ productId: changed[1]!.id }))).toMatchObject({
        name: 'delete-product',
        state: 'waiting',
      });
      expect((await cat.outbox.backlog()).pending).toBe(0);
    });

    it('a file import (CatalogImportService, as the demo seeder runs it) is all queued once settled', async () => {
      relay = new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 60_000, batchSize: 50 });
      relay.start();
      await sleep(100);
      const file = path.join(dir, 'catalog.jsonl');
      fs.writeFileSync(file, [...syntheticCatalogLines(230)].map((l) => JSON.stringify(l)).join('\n') + '\n');
      const report = await new CatalogImportService(cat.products).importFile(file, { batchSize: 100 });
      expect(report.created).toBe(230);
      await cat.outbox.settled();
      expect((await cat.outbox.backlog()).pending).toBe(0);
      expect(await waiting()).toBe(230);
    });

    it("a CLI import (a process without a relay) is relayed by a running relay's polling", async () => {
      relay = new OutboxRelay(cat.outbox, queue, MODEL, { pollMs: 100 });
      relay.start();
      // The CLI builds its repository without the announcing outbox: its rows wait for a relay's poll.
      const cli = new ProductRepository(cat.db);
      const { changed } = await cli.upsertMany(syntheticProducts(3, { skuPrefix: 'CLI' }));
      for (let i = 0; i < 50 && (await waiting()) < 3; i++) await sleep(50);
      for (const c of changed)
        expect(await queue.status(indexJob(c))).toMatchObject({ name: 'index-product', state: 'waiting' });
      expect((await cat.outbox.backlog()).pending).toBe(0);
    });
  });
});
