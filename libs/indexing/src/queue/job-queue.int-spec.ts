import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DomainError } from '@vitrine/core';
import { TEST_REDIS_URL } from '../../../../test/support/services';
import { BullmqJobQueue } from './bullmq-job-queue';
import { InProcessJobQueue } from './in-process-job-queue';
import { JOB_DEFINITIONS, JOB_NAMES, type JobDefinitions, type JobPayloads } from './job-definitions';
import { UnrecoverableJobError } from './job-errors';
import type { JobHandlers, JobQueue } from './job-queue';

/**
 * Both queue adapters must behave the same for the indexer's handlers: each gets the same job definitions, and is
 * started through the port's own `consume()`.
 */
interface Harness {
  readonly queue: JobQueue;
  stop(): Promise<void>;
}

/**
 * The real definitions with short waits. Failed jobs stay readable so the tests can see how they ended, except
 * `index-product`'s, forgotten at once as in production (its failure lives in the product's index state).
 */
const fast = Object.fromEntries(
  JOB_NAMES.map((n) => [
    n,
    { ...JOB_DEFINITIONS[n], attempts: 3, backoffMs: 20, keepFailedS: n === 'index-product' ? 0 : 60 },
  ]),
) as unknown as JobDefinitions;

const adapters: [string, () => Harness][] = [
  [
    'in-process',
    () => {
      const queue = new InProcessJobQueue({ concurrency: 4, definitions: fast });
      return { queue, stop: () => queue.close() };
    },
  ],
  [
    'BullMQ on Redis',
    () => {
      const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      const prefix = `vitrine-test-${randomUUID()}`;
      const queue = new BullmqJobQueue({
        connection,
        prefix,
        definitions: fast,
        worker: { connection, concurrency: 4 },
      });
      return {
        queue,
        stop: async () => {
          await queue.close();
          const keys = await connection.keys(`${prefix}:*`);
          if (keys.length) await connection.del(...keys);
          connection.disconnect();
        },
      };
    },
  ],
];

const product = (productId: string): JobPayloads['index-product'] => ({
  productId,
  contentHash: 'h1',
  modelId: 'm@1',
});
const reindex = (runId: string): JobPayloads['reindex'] => ({
  runId,
  step: 'plan',
  modelId: 'm@1',
  startedAt: new Date().toISOString(),
});

function handlers(over: Partial<JobHandlers>): JobHandlers {
  const noop = () => Promise.resolve(undefined);
  return {
    'index-product': noop,
    'delete-product': noop,
    reindex: noop,
    'reindex-batch': noop,
    'extract-attributes': noop,
    ...over,
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for the queue');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(adapters)('JobQueue contract: %s', (_name, make) => {
  let h: Harness;
  beforeEach(() => {
    h = make();
  });
  afterEach(() => h.stop());

  it('runs each job once with its payload, and drops a duplicate id while the first is pending', async () => {
    const seen: string[] = [];
    await h.queue.enqueue({ name: 'index-product', data: product('a'), jobId: 'same' });
    await h.queue.enqueue({ name: 'index-product', data: product('a'), jobId: 'same' });
    await h.queue.enqueueBulk([
      { name: 'index-product', data: product('b') },
      { name: 'delete-product', data: { productId: 'c' } },
    ]);
    await h.queue.consume(
      handlers({
        'index-product': (d) => Promise.resolve(void seen.push(`index ${d.productId}`)),
        'delete-product': (d) => Promise.resolve(void seen.push(`delete ${d.productId}`)),
      }),
    );
    await until(() => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.sort()).toEqual(['delete c', 'index a', 'index b']);
  });

  it('retries transient failures and gives up at once on permanent ones', async () => {
    let flaky = 0;
    let permanent = 0;
    await h.queue.consume(
      handlers({
        'index-product': () => {
          if (++flaky < 3) throw new Error('connection reset');
          return Promise.resolve('ok');
        },
        'delete-product': () => {
          permanent++;
          throw new DomainError('IMAGE_INVALID', 'corrupt image');
        },
      }),
    );
    await h.queue.enqueue({ name: 'index-product', data: product('a') });
    await h.queue.enqueue({ name: 'delete-product', data: { productId: 'x' }, jobId: 'perm' });
    await until(() => flaky >= 3);
    await until(async () => (await h.queue.status('perm'))?.state === 'failed');
    const failed = await h.queue.status('perm');
    expect(failed?.failedReason).toContain('IMAGE_INVALID: corrupt image');
    expect(failed?.attemptsMade).toBe(1);
    expect(permanent).toBe(1);
  });

  it('ends a job at once on an unrecoverable error, and forgets it so the same id can be queued again', async () => {
    let calls = 0;
    await h.queue.consume(
      handlers({
        'index-product': () => {
          calls++;
          return calls === 1
            ? Promise.reject(new UnrecoverableJobError('product a: IMAGE_INVALID: corrupt image'))
            : Promise.resolve('indexed');
        },
      }),
    );
    await h.queue.enqueue({ name: 'index-product', data: product('a'), jobId: 'again' });
    await until(() => calls === 1);
    await until(async () => (await h.queue.status('again')) === undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);
    await h.queue.enqueue({ name: 'index-product', data: product('a'), jobId: 'again' });
    await until(() => calls === 2);
  });

  it('suspends a parent until its children complete, then runs its next step', async () => {
    const order: string[] = [];
    await h.queue.consume(
      handlers({
        reindex: async (data, ctx) => {
          if (data.step === 'plan') {
            await ctx.addChildren(
              [0, 1, 2].map((i) => ({
                name: 'reindex-batch' as const,
                data: { runId: data.runId, collection: 'c', productIds: [`p${i}`] },
                jobId: `run1.batch.${i}`,
              })),
            );
            await ctx.updateData({ ...data, step: 'finish', totalBatches: 3 });
            if (await ctx.waitForChildren()) return undefined;
          }
          order.push('finish');
          await ctx.reportProgress({ done: 3, total: 3 });
          return { switched: true };
        },
        'reindex-batch': async (data) => {
          await new Promise((r) => setTimeout(r, 30));
          order.push(`batch ${data.productIds[0]}`);
        },
      }),
    );
    await h.queue.enqueue({ name: 'reindex', data: reindex('run1'), jobId: 'run1' });
    await until(async () => (await h.queue.status('run1'))?.state === 'completed');
    expect(order.slice(0, 3).sort()).toEqual(['batch p0', 'batch p1', 'batch p2']);
    expect(order[3]).toBe('finish');
    const done = await h.queue.status('run1');
    expect(done?.result).toEqual({ switched: true });
    expect(done?.progress).toEqual({ done: 3, total: 3 });
  });

  it('fails the parent when a child fails for good (the alias must not switch)', async () => {
    let finished = false;
    await h.queue.consume(
      handlers({
        reindex: async (data, ctx) => {
          if (data.step === 'plan') {
            await ctx.addChildren([
              {
                name: 'reindex-batch',
                data: { runId: data.runId, collection: 'c', productIds: ['bad'] },
                jobId: 'run2.b',
              },
            ]);
            await ctx.updateData({ ...data, step: 'finish' });
            if (await ctx.waitForChildren()) return undefined;
          }
          finished = true;
          return undefined;
        },
        'reindex-batch': () =>
          Promise.reject(new DomainError('UNAVAILABLE', 'vector store down', { transient: false })),
      }),
    );
    await h.queue.enqueue({ name: 'reindex', data: reindex('run2'), jobId: 'run2' });
    await until(async () => (await h.queue.status('run2'))?.state === 'failed');
    expect(finished).toBe(false);
  });

  it('tells a handler which attempt is its last, so it can record the failure instead of losing it', async () => {
    const seen: boolean[] = [];
    await h.queue.consume(
      handlers({
        'index-product': (_d, ctx) => {
          seen.push(ctx.finalAttempt);
          if (!ctx.finalAttempt) throw new Error('picture server down');
          return Promise.resolve('recorded as failed');
        },
      }),
    );
    await h.queue.enqueue({ name: 'index-product', data: product('a'), jobId: 'last' });
    await until(() => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([false, false, true]);
  });

  it("gives a parent's next step, and its status, what each completed child returned", async () => {
    let fromContext: unknown[] = [];
    await h.queue.consume(
      handlers({
        reindex: async (data, ctx) => {
          if (data.step === 'plan') {
            await ctx.addChildren(
              [0, 1].map((i) => ({
                name: 'reindex-batch' as const,
                data: { runId: data.runId, collection: 'c', productIds: [`p${i}`] },
                jobId: `run3.batch.${i}`,
              })),
            );
            await ctx.updateData({ ...data, step: 'finish' });
            if (await ctx.waitForChildren()) return undefined;
          }
          fromContext = await ctx.childResults();
          return undefined;
        },
        'reindex-batch': (data) => Promise.resolve({ failed: data.productIds[0] === 'p1' ? 1 : 0 }),
      }),
    );
    await h.queue.enqueue({ name: 'reindex', data: reindex('run3'), jobId: 'run3' });
    await until(async () => (await h.queue.status('run3'))?.state === 'completed');
    const byFailed = (a: unknown, b: unknown) =>
      (a as { failed: number }).failed - (b as { failed: number }).failed;
    expect(fromContext.sort(byFailed)).toEqual([{ failed: 0 }, { failed: 1 }]);
    expect([...(await h.queue.status('run3'))!.childResults].sort(byFailed)).toEqual([
      { failed: 0 },
      { failed: 1 },
    ]);
  });

  it('refuses to start without a handler for every job', async () => {
    const partial = { 'index-product': () => Promise.resolve() } as unknown as JobHandlers;
    await expect(h.queue.consume(partial)).rejects.toThrow(
      /no handler for job\(s\) delete-product, reindex, reindex-batch/,
    );
  });
});
