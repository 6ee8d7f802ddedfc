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
import {
  INDEXING_QUEUE,
  JOB_DEFINITIONS,
  JOB_NAMES,
  MAX_KEPT_FINISHED,
  type JobDefinitions,
  type JobName,
  type JobPayloads,
} from './job-definitions';
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
  /** Attempts, backoff and retention per job name (default {@link JOB_DEFINITIONS}; tests shorten them). */
  readonly definitions?: JobDefinitions;
  /**
   * Producer calls (enqueue, status, counts) fail as UNAVAILABLE after this long (default: no bound). BullMQ waits
   * for a connection that was never ready, and ioredis queues commands while reconnecting: without a bound, a
   * request that touches the queue while Redis is down hangs.
   */
  readonly timeoutMs?: number;
  /** What {@link BullmqJobQueue.consume} needs; without it this process only enqueues. */
  readonly worker?: BullmqWorkerOptions;
}

export interface BullmqWorkerOptions {
  /** The worker's own connection: it must wait through outages (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  readonly concurrency: number;
  /** How long a job's lock lives without renewal; a worker killed with -9 gives its jobs back after this. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
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
 * The job queue on BullMQ (full-stack mode). Attempts, exponential backoff and how long finished jobs stay readable
 * come from the job definitions; {@link consume} adds a worker in this process.
 */
export class BullmqJobQueue implements JobQueue {
  readonly queue: Queue;
  private readonly definitions: JobDefinitions;
  private worker: BullmqJobWorker | undefined;

  constructor(private readonly options: BullmqQueueOptions) {
    this.definitions = options.definitions ?? JOB_DEFINITIONS;
    this.queue = new Queue(options.queueName ?? INDEXING_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
    });
    // Without a listener every reconnect attempt during an outage is printed; the calls that fail report it.
    this.queue.on('error', () => undefined);
  }

  async enqueue<N extends JobName>(request: JobRequest<N>): Promise<string> {
    const job = await this.bounded(
      this.queue.add(request.name, request.data, jobOptions(request, this.definitions)),
    );
    return job.id ?? request.jobId ?? '';
  }

  async enqueueBulk(requests: readonly JobRequest[]): Promise<string[]> {
    if (requests.length === 0) return [];
    const jobs = await this.bounded(
      this.queue.addBulk(
        requests.map((r) => ({ name: r.name, data: r.data, opts: jobOptions(r, this.definitions) })),
      ),
    );
    return jobs.map((j) => j.id ?? '');
  }

  /** Starts a BullMQ worker on this queue; resolves once it is connected. */
  async consume(handlers: JobHandlers): Promise<void> {
    const worker = this.options.worker;
    if (!worker) throw new Error('indexer wiring: this process only enqueues (no worker connection)');
    if (this.worker) throw new Error('indexer wiring: this queue is consumed already');
    this.worker = new BullmqJobWorker(
      { ...worker, prefix: this.options.prefix, queueName: this.queue.name, definitions: this.definitions },
      handlers,
    );
    await this.worker.start();
  }

  status(jobId: string): Promise<JobStatus | undefined> {
    return this.bounded(this.readStatus(jobId));
  }

  private async readStatus(jobId: string): Promise<JobStatus | undefined> {
    // The state first, then the job: its data, result and reason are then at least as new as the state says (read
    // the other way round, a run seen waiting for its batches could still show the data it had before planning).
    const state = (await this.queue.getJobState(jobId)) as string;
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined;
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
    await this.worker?.close();
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

interface WorkerSetup extends BullmqWorkerOptions {
  readonly prefix: string;
  readonly queueName: string;
  readonly definitions: JobDefinitions;
}

/**
 * Consumer side: one BullMQ worker dispatching by job name to thin handlers. Refuses to start when a job name
 * has no handler. Permanent domain errors end the job at once (UnrecoverableError); everything else retries.
 */
class BullmqJobWorker {
  private readonly log = new Logger('Indexer');
  private readonly worker: Worker;
  private readonly producer: Queue;

  constructor(
    private readonly options: WorkerSetup,
    handlers: JobHandlers,
  ) {
    assertHandlers(handlers);
    const queueName = options.queueName;
    this.producer = new Queue(queueName, { connection: options.connection, prefix: options.prefix });
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
    // A job that ends failed is never silent (the in-process runner logs the same line).
    this.worker.on('failed', (job, err) =>
      this.log.warn(`job ${job?.name ?? '?'} ${job?.id ?? '?'} failed: ${err.message}`),
    );
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
              ...jobOptions(r, this.options.definitions),
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

/** BullMQ options for one job, from its definition. */
function jobOptions(r: JobRequest, definitions: JobDefinitions): JobsOptions {
  const d = definitions[r.name];
  return {
    ...(r.jobId ? { jobId: r.jobId } : {}),
    attempts: d.attempts,
    backoff: { type: 'exponential', delay: d.backoffMs },
    removeOnComplete: d.keepCompletedS === 0 ? true : { age: d.keepCompletedS, count: MAX_KEPT_FINISHED },
    removeOnFail: d.keepFailedS === 0 ? true : { age: d.keepFailedS, count: MAX_KEPT_FINISHED },
  };
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
