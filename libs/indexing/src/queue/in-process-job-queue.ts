import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import { assertHandlers } from './bullmq-job-queue';
import {
  JOB_DEFINITIONS,
  MAX_KEPT_FINISHED,
  retryDelayMs,
  type JobDefinitions,
  type JobName,
} from './job-definitions';
import { describeError, isRetryable } from './job-errors';
import type { JobContext, JobHandlers, JobQueue, JobRequest, JobState, JobStatus } from './job-queue';

export interface InProcessQueueOptions {
  readonly concurrency: number;
  /** Attempts, backoff and retention per job name (default `JOB_DEFINITIONS`; tests shorten them). */
  readonly definitions?: JobDefinitions;
}

interface Entry {
  readonly id: string;
  readonly name: JobName;
  data: unknown;
  state: JobState;
  progress: JobStatus['progress'];
  result: unknown;
  failedReason: string | undefined;
  attemptsMade: number;
  readonly parentId: string | undefined;
  readonly children: Set<string>;
  /** Settles when the job has completed or failed for good. */
  readonly done: Promise<void>;
  settle(): void;
}

/**
 * The job queue for embedded mode (no Redis): what BullMQ does for the indexer, in this process and nothing more —
 * the same job types and handlers, deterministic ids (a duplicate of a pending job is dropped), attempts and
 * exponential backoff from the job definitions, unrecoverable errors ending a job at once, a failed job's reason
 * kept readable and logged, and a parent (a full reindex) that waits for its children and fails with one. Nothing
 * survives a restart: in embedded mode the catalog's index state is the source of truth, and a restart re-indexes
 * what is pending.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly log = new Logger('Queue');
  private readonly definitions: JobDefinitions;
  private readonly entries = new Map<string, Entry>();
  private readonly ready: Entry[] = [];
  /** Top-level finished jobs, oldest first, each forgotten with its children when its retention is over. */
  private readonly finished: { readonly id: string; readonly until: number }[] = [];
  private handlers: JobHandlers | undefined;
  private running = 0;
  private seq = 0;
  private closed = false;

  constructor(private readonly options: InProcessQueueOptions) {
    this.definitions = options.definitions ?? JOB_DEFINITIONS;
  }

  consume(handlers: JobHandlers): Promise<void> {
    // A throw in the executor rejects the promise, as the BullMQ adapter's refusal does.
    return new Promise((resolve) => {
      assertHandlers(handlers);
      this.handlers = handlers;
      this.pump();
      resolve();
    });
  }

  enqueue(request: JobRequest): Promise<string> {
    return Promise.resolve(this.add(request, undefined));
  }

  enqueueBulk(requests: readonly JobRequest[]): Promise<string[]> {
    return Promise.resolve(requests.map((r) => this.add(r, undefined)));
  }

  status(jobId: string): Promise<JobStatus | undefined> {
    this.forgetExpired();
    const e = this.entries.get(jobId);
    if (!e) return Promise.resolve(undefined);
    const children = this.childrenOf(e);
    const count = (match: (s: JobState) => boolean) => children.filter((c) => match(c.state)).length;
    return Promise.resolve({
      id: e.id,
      name: e.name,
      state: e.state,
      data: e.data,
      children: {
        processed: count((s) => s === 'completed'),
        pending: count((s) => s !== 'completed' && s !== 'failed'),
        failed: count((s) => s === 'failed'),
      },
      childResults: completedResults(children),
      progress: e.progress,
      result: e.result,
      failedReason: e.failedReason,
      attemptsMade: e.attemptsMade,
    });
  }

  counts(): Promise<Record<JobState, number>> {
    this.forgetExpired();
    const counts: Record<JobState, number> = {
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
      delayed: 0,
      'waiting-children': 0,
      unknown: 0,
    };
    for (const e of this.entries.values()) counts[e.state]++;
    return Promise.resolve(counts);
  }

  /** Resolves once nothing is waiting, running or delayed (the CLI and benchmarks wait for a whole run). */
  async drain(): Promise<void> {
    for (;;) {
      const open = [...this.entries.values()].filter((e) => e.state !== 'completed' && e.state !== 'failed');
      if (open.length === 0) return;
      await Promise.all(open.map((e) => e.done));
    }
  }

  /** Stops taking jobs and waits for those running. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running > 0) await sleep(10);
  }

  private add(request: JobRequest, parentId: string | undefined): string {
    const id = request.jobId ?? `job-${++this.seq}`;
    const existing = this.entries.get(id);
    // Same id while the job is pending, running or kept after it finished: one job (as on BullMQ).
    if (existing) return id;
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    const entry: Entry = {
      id,
      name: request.name,
      data: request.data,
      state: 'waiting',
      progress: undefined,
      result: undefined,
      failedReason: undefined,
      attemptsMade: 0,
      parentId,
      children: new Set(),
      done,
      settle,
    };
    this.entries.set(id, entry);
    if (parentId) this.entries.get(parentId)?.children.add(id);
    this.ready.push(entry);
    this.pump();
    return id;
  }

  private pump(): void {
    if (!this.handlers || this.closed) return;
    while (this.running < this.options.concurrency && this.ready.length > 0) {
      const entry = this.ready.shift()!;
      if (entry.state !== 'waiting') continue;
      this.running++;
      void this.run(entry, this.handlers).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(entry: Entry, handlers: JobHandlers): Promise<void> {
    const handler = handlers[entry.name] as (data: unknown, ctx: JobContext) => Promise<unknown>;
    const definition = this.definitions[entry.name];
    entry.state = 'active';
    entry.attemptsMade++;
    let suspended = false;
    const ctx: JobContext = {
      jobId: entry.id,
      attempt: entry.attemptsMade,
      finalAttempt: entry.attemptsMade >= definition.attempts,
      reportProgress: (p) => Promise.resolve(void (entry.progress = p)),
      updateData: (data) => Promise.resolve(void (entry.data = data)),
      addChildren: (requests) => Promise.resolve(void requests.forEach((r) => this.add(r, entry.id))),
      waitForChildren: () => {
        const children = this.childrenOf(entry);
        const failed = children.find((c) => c.state === 'failed');
        if (failed) return Promise.reject(childFailed(failed));
        suspended = children.some((c) => c.state !== 'completed');
        return Promise.resolve(suspended);
      },
      childResults: () => Promise.resolve(completedResults(this.childrenOf(entry))),
    };
    try {
      const result = await handler(entry.data, ctx);
      if (suspended) {
        entry.state = 'waiting-children';
        void this.resumeAfterChildren(entry);
      } else this.finish(entry, 'completed', result, undefined);
    } catch (e) {
      if (isRetryable(e) && entry.attemptsMade < definition.attempts) {
        entry.state = 'delayed';
        setTimeout(() => this.requeue(entry), retryDelayMs(definition, entry.attemptsMade)).unref();
      } else this.finish(entry, 'failed', undefined, describeError(e));
    }
  }

  private requeue(entry: Entry): void {
    entry.state = 'waiting';
    this.ready.push(entry);
    this.pump();
  }

  private async resumeAfterChildren(entry: Entry): Promise<void> {
    const children = this.childrenOf(entry);
    await Promise.all(children.map((c) => c.done));
    const failed = children.find((c) => c.state === 'failed');
    // As on BullMQ with failParentOnFailure: a child out of attempts fails the parent.
    if (failed) this.finish(entry, 'failed', undefined, describeError(childFailed(failed)));
    else this.requeue(entry);
  }

  private finish(
    entry: Entry,
    state: 'completed' | 'failed',
    result: unknown,
    reason: string | undefined,
  ): void {
    entry.state = state;
    entry.result = result;
    entry.failedReason = reason;
    // As the BullMQ worker's 'failed' event does: a job that ends failed is never silent.
    if (state === 'failed') this.log.warn(`job ${entry.name} ${entry.id} failed: ${reason ?? ''}`);
    entry.settle();
    // A child is forgotten with its parent, never before: the parent's last step reads the children's results.
    if (entry.parentId) return;
    const definition = this.definitions[entry.name];
    const keepS = state === 'completed' ? definition.keepCompletedS : definition.keepFailedS;
    // Forgotten at once, its id free again (never held behind a job kept longer).
    if (keepS === 0) this.forget(entry);
    else this.finished.push({ id: entry.id, until: Date.now() + keepS * 1000 });
    this.forgetExpired();
  }

  /**
   * Forgets finished jobs past their retention (oldest first; one kept longer holds back those behind it, which are
   * then kept longer than asked: only full reindexes and their outcome are kept at all), or beyond the count kept.
   */
  private forgetExpired(): void {
    const now = Date.now();
    while (this.finished.length > 0) {
      const oldest = this.finished[0]!;
      if (oldest.until > now && this.finished.length <= MAX_KEPT_FINISHED) return;
      this.finished.shift();
      const entry = this.entries.get(oldest.id);
      if (entry) this.forget(entry);
    }
  }

  private forget(entry: Entry): void {
    for (const c of entry.children) this.entries.delete(c);
    this.entries.delete(entry.id);
  }

  private childrenOf(entry: Entry): Entry[] {
    return [...entry.children].flatMap((c) => this.entries.get(c) ?? []);
  }
}

function completedResults(children: readonly Entry[]): unknown[] {
  return children.filter((c) => c.state === 'completed').map((c) => c.result);
}

function childFailed(child: Entry): DomainError {
  return new DomainError('UNAVAILABLE', `child ${child.id} failed: ${child.failedReason ?? ''}`, {
    transient: false,
  });
}
