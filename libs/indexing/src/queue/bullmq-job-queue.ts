import {
  Queue,
  UnrecoverableError,
  WaitingChildrenError,
  Worker,
  type Job,
  type JobsOptions,
  type JobType,
} from 'bullmq';
import type Redis from 'ioredis';
import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import { INDEXING_QUEUE, JOB_NAMES, type JobName, type JobPayloads } from './job-definitions';
import { describeError, isRetryable } from './job-errors';
import type {
  JobContext,
  JobHandlers,
  JobProgress,
  JobQueue,
  JobRequest,
  JobState,
  JobStatus,
} from './job-queue';

export interface BullmqQueueOptions {
  /** A built ioredis client (BullMQ 6 needs one); the queue duplicates it for blocking connections. */
  readonly connection: Redis;
  readonly prefix: string;
  readonly queueName?: string;
  readonly attempts?: number;
  readonly backoffMs?: number;
  /**
   * Producer calls (enqueue, status, counts) fail as UNAVAILABLE after this long (default: no bound). BullMQ waits
   * for a connection that was never ready, and ioredis queues commands while reconnecting: without a bound, a
   * request that touches the queue while Redis is down hangs.
   */
  readonly timeoutMs?: number;
}

const STATES = [
  'waiting',
  'active',
  'completed',
  'failed',
  'delayed',
  'waiting-children',
] as const satisfies readonly (JobType & JobState)[];

/**
 * Producer side on BullMQ. Retries use exponential backoff; finished jobs are removed so that a deterministic
 * id can be enqueued again later (the handlers' own "unchanged?" check is what makes re-runs cheap), except
 * full reindexes, kept a week so their outcome stays readable.
 */
export class BullmqJobQueue implements JobQueue {
  readonly queue: Queue;

  constructor(private readonly options: BullmqQueueOptions) {
    this.queue = new Queue(options.queueName ?? INDEXING_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options),
    });
    // Without a listener every reconnect attempt during an outage is printed; the calls that fail report it.
    this.queue.on('error', () => undefined);
  }

  async enqueue<N extends JobName>(request: JobRequest<N>): Promise<string> {
    const job = await this.bounded(this.queue.add(request.name, request.data, jobOptions(request)));
    return job.id ?? request.jobId ?? '';
  }

  async enqueueBulk(requests: readonly JobRequest[]): Promise<string[]> {
    if (requests.length === 0) return [];
    const jobs = await this.bounded(
      this.queue.addBulk(requests.map((r) => ({ name: r.name, data: r.data, opts: jobOptions(r) }))),
    );
    return jobs.map((j) => j.id ?? '');
  }

  status(jobId: string): Promise<JobStatus | undefined> {
    return this.bounded(this.readStatus(jobId));
  }

  private async readStatus(jobId: string): Promise<JobStatus | undefined> {
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined;
    const state = (await job.getState()) as string;
    const deps = await job.getDependenciesCount();
    return {
      id: jobId,
      name: job.name,
      state: (STATES as readonly string[]).includes(state) ? (state as JobState) : 'unknown',
      data: job.data as unknown,
      children: { processed: deps.processed ?? 0, pending: deps.unprocessed ?? 0, failed: deps.failed ?? 0 },
      childResults: deps.processed ? Object.values(await job.getChildrenValues<unknown>()) : [],
      progress: isProgress(job.progress) ? job.progress : undefined,
      result: job.returnvalue as unknown,
      failedReason: job.failedReason || undefined,
      attemptsMade: job.attemptsMade,
    };
  }

  async counts(): Promise<Record<JobState, number>> {
    const raw = await this.bounded(this.queue.getJobCounts(...STATES));
    return Object.fromEntries([...STATES, 'unknown'].map((s) => [s, raw[s] ?? 0])) as Record<
      JobState,
      number
    >;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  /** `work` within {@link BullmqQueueOptions.timeoutMs}; a refusal by an unready connection is UNAVAILABLE too. */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (ms === undefined) return;
      timer = setTimeout(
        () => reject(new DomainError('UNAVAILABLE', `the job queue (Redis) did not answer within ${ms} ms`)),
        ms,
      );
    });
    // A call given up on may still settle later: never as an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } catch (e) {
      if (e instanceof DomainError || this.options.connection.status === 'ready') throw e;
      throw new DomainError(
        'UNAVAILABLE',
        `the job queue (Redis) is unreachable: ${e instanceof Error ? e.message : String(e)}`,
        undefined,
        { cause: e },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface BullmqWorkerOptions extends BullmqQueueOptions {
  readonly concurrency: number;
  /** How long a job's lock lives without renewal; a worker killed with -9 gives its jobs back after this. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

/**
 * Consumer side: one BullMQ worker dispatching by job name to thin handlers. Refuses to start when a job name
 * has no handler. Permanent domain errors end the job at once (UnrecoverableError); everything else retries.
 */
export class BullmqJobWorker {
  private readonly log = new Logger('Indexer');
  private readonly worker: Worker;
  private readonly producer: Queue;

  constructor(
    private readonly options: BullmqWorkerOptions,
    handlers: JobHandlers,
  ) {
    assertHandlers(handlers);
    const queueName = options.queueName ?? INDEXING_QUEUE;
    this.producer = new Queue(queueName, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: defaultJobOptions(options),
    });
    this.worker = new Worker(queueName, (job, token) => this.process(handlers, job, token), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 3,
    });
    // While Redis is down every reconnect attempt fails: say so once a minute, not a hundred times.
    let lastLogged = 0;
    const connectionError = (e: Error) => {
      if (Date.now() - lastLogged < 60_000) return;
      lastLogged = Date.now();
      this.log.warn(`the job queue (Redis) is unreachable: ${e.message}; retrying (jobs wait in Redis)`);
    };
    this.worker.on('error', connectionError);
    this.producer.on('error', connectionError);
  }

  get events(): Worker {
    return this.worker;
  }

  /** Starts consuming; resolves once the worker is connected. */
  async start(): Promise<void> {
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  /**
   * Graceful shutdown: stops taking jobs and waits for those in flight to finish, at most the lock duration. BullMQ's
   * wait can hang when Redis has just restarted (its blocking read never returns); past the lock duration the jobs
   * are stalled anyway and a worker takes them back.
   */
  async close(): Promise<void> {
    const graceMs = this.options.lockDurationMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.worker.close().then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!closed)
      this.log.warn(`the worker did not stop within ${graceMs} ms; its jobs in flight will be retried`);
    await this.producer.close();
  }

  private async process(handlers: JobHandlers, job: Job, token: string | undefined): Promise<unknown> {
    const name = job.name as JobName;
    const handler = handlers[name] as (data: unknown, ctx: JobContext) => Promise<unknown>;
    let suspended = false;
    const ctx: JobContext = {
      jobId: job.id ?? '',
      attempt: job.attemptsMade + 1,
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      reportProgress: (p: JobProgress) => job.updateProgress({ ...p }),
      updateData: (data) => job.updateData(data),
      addChildren: async (requests) => {
        if (requests.length === 0) return;
        await this.producer.addBulk(
          requests.map((r) => ({
            name: r.name,
            data: r.data,
            opts: {
              ...jobOptions(r),
              parent: { id: job.id ?? '', queue: job.queueQualifiedName },
              // A child fails for good only when the infrastructure does (a product's own failure is recorded
              // and counted, never thrown): then the whole run fails and the old collection keeps serving.
              failParentOnFailure: true,
            },
          })),
        );
      },
      waitForChildren: async () => {
        if (!token) return false;
        suspended = await job.moveToWaitingChildren(token);
        return suspended;
      },
      childResults: async () => Object.values(await job.getChildrenValues<unknown>()),
    };
    try {
      const result = await handler(job.data, ctx);
      if (suspended) throw new WaitingChildrenError();
      return result;
    } catch (e) {
      if (e instanceof WaitingChildrenError) throw e;
      if (!isRetryable(e)) throw new UnrecoverableError(describeError(e));
      throw e;
    }
  }
}

function defaultJobOptions(o: BullmqQueueOptions): JobsOptions {
  return {
    attempts: o.attempts ?? 5,
    backoff: { type: 'exponential', delay: o.backoffMs ?? 1000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
}

function jobOptions(r: JobRequest): JobsOptions {
  const keep: JobsOptions =
    r.name === 'reindex'
      ? { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } }
      : {};
  return r.jobId ? { jobId: r.jobId, ...keep } : keep;
}

function isProgress(p: unknown): p is JobProgress {
  return typeof p === 'object' && p !== null && 'done' in p && 'total' in p;
}

/** Boot-time wiring check: the compiler already demands every handler; this catches casts and stale builds. */
export function assertHandlers(handlers: Partial<Record<JobName, unknown>>): asserts handlers is JobHandlers {
  const missing = JOB_NAMES.filter((n) => typeof handlers[n] !== 'function');
  if (missing.length) throw new Error(`indexer wiring: no handler for job(s) ${missing.join(', ')}`);
}

export type { JobPayloads };
