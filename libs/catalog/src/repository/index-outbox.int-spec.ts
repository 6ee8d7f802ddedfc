import { setTimeout as sleep } from 'node:timers/promises';
import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { productContentHash } from '../domain/content-hash';
import type { OutboxEntry } from '../domain/index-outbox';

// One suite, every backend: the outbox is what keeps index work through a queue outage, embedded or not.
describe.each(CATALOG_BACKENDS)('index outbox on %s', (backend) => {
  let cat: TestCatalog;
  beforeAll(async () => {
    cat = await openTestCatalog(backend);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());
  beforeEach(() => cat.reset());

  const changes = (rows: readonly OutboxEntry[]) =>
    rows.map((r) => (r.kind === 'index' ? [r.kind, r.productId, r.contentHash] : [r.kind, r.productId]));

  it('records index work in the transaction of each write: created and updated products, deletes', async () => {
    const [a, b] = syntheticProducts(2);
    const first = await cat.products.upsertMany([a!, b!]);
    const [idA, idB] = first.changed.map((c) => c.id);
    // Unchanged: no work. A dry run: nothing written, the outbox included.
    await cat.products.upsertMany([a!]);
    await cat.products.upsertMany([{ ...a!, title: 'dry' }], { dryRun: true });
    const renamed = { ...b!, title: `${b!.title} (new)` };
    await cat.products.upsertMany([renamed]);
    expect(await cat.products.delete([idA!, '00000000-0000-4000-8000-000000000000'])).toBe(1);

    const rows = await cat.outbox.claim();
    expect(changes(rows)).toEqual([
      ['index', idA, productContentHash(a!)],
      ['index', idB, productContentHash(b!)],
      ['index', idB, productContentHash(renamed)],
      ['delete', idA],
    ]);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  });

  it('reports the backlog: how many rows wait and for how long the oldest has', async () => {
    expect(await cat.outbox.backlog()).toEqual({ pending: 0, oldestAgeSeconds: null });
    await cat.products.upsertMany(syntheticProducts(3));
    await sleep(50);
    const backlog = await cat.outbox.backlog();
    expect(backlog.pending).toBe(3);
    expect(backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(0.04);
    expect(backlog.oldestAgeSeconds).toBeLessThan(60);
  });

  it('hands each row to one claimer until its lease runs out, gives rows back on release, forgets completed ones', async () => {
    await cat.products.upsertMany(syntheticProducts(5));
    const first = await cat.outbox.claim({ limit: 3, leaseMs: 60_000 });
    const second = await cat.outbox.claim({ limit: 10, leaseMs: 200 });
    expect(first).toHaveLength(3);
    expect(second).toHaveLength(2);
    expect(new Set([...first, ...second].map((r) => r.id)).size).toBe(5);
    expect(await cat.outbox.claim()).toEqual([]);

    // A claimer that died: its rows come back when the lease ends, counted as a second attempt.
    await sleep(300);
    const retaken = await cat.outbox.claim();
    expect(retaken.map((r) => r.id)).toEqual(second.map((r) => r.id));
    expect(retaken.map((r) => r.attempts)).toEqual([2, 2]);

    // A claimer whose queue refused the rows gives them back at once.
    await cat.outbox.release(first.map((r) => r.id));
    expect((await cat.outbox.claim()).map((r) => r.id)).toEqual(first.map((r) => r.id));

    expect(await cat.outbox.complete([...first, ...retaken].map((r) => r.id))).toBe(5);
    expect(await cat.outbox.backlog()).toEqual({ pending: 0, oldestAgeSeconds: null });
  });
});

describe('index outbox claims on PostgreSQL with concurrent relays', () => {
  let cat: TestCatalog;
  beforeAll(async () => {
    cat = await openTestCatalog('postgres');
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());

  it('never hands one row to two claimers at once', async () => {
    await cat.products.upsertMany(syntheticProducts(400));
    // Eight claimers on the pool's connections, racing until the outbox is empty.
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const rows = await cat.outbox.claim({ limit: 7 });
          if (rows.length === 0) return;
          claimed.push(...rows.map((r) => r.id));
        }
      }),
    );
    expect(claimed).toHaveLength(400);
    expect(new Set(claimed).size).toBe(400);
  });
});
