import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import { assertHandlers } from './bullmq-job-queue';
import type { JobName } from './job-definitions';
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

export interface InProcessQueueOptions {
  readonly concurrency: number;
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** How many finished jobs stay readable through `status()`. */
  readonly keepFinished?: number;
}

interface Entry {
  readonly id: string;
  readonly name: JobName;
  data: unknown;
  state: JobState;
  progress: JobProgress | undefined;
  result: unknown;
  failedReason: string | undefined;
  attemptsMade: number;
  readonly parentId: string | undefined;
  readonly children: Set<string>;
  readonly done: Deferred;
}

/**
 * The indexer's queue for embedded mode (no Redis): the same handlers, ids, retries with exponential backoff,
 * permanent-error handling and parent/child steps as on BullMQ, in this process. Nothing survives a restart —
 * in embedded mode the catalog's index state is the source of truth, and a restart re-indexes what is pending.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly log = new Logger('Queue');
  private readonly entries = new Map<string, Entry>();
  private readonly ready: string[] = [];
  private handlers: JobHandlers | undefined;
  private running = 0;
  private seq = 0;
  private closed = false;
  private readonly finished: string[] = [];

  constructor(private readonly options: InProcessQueueOptions) {}

  /** Starts running jobs (those enqueued before start wait for it). */
  start(handlers: JobHandlers): void {
    assertHandlers(handlers);
    this.handlers = handlers;
    this.pump();
  }

  enqueue<N extends JobName>(request: JobRequest<N>): Promise<string> {
    return Promise.resolve(this.add(request, undefined));
  }

  enqueueBulk(requests: readonly JobRequest[]): Promise<string[]> {
    return Promise.resolve(requests.map((r) => this.add(r, undefined)));
  }

  status(jobId: string): Promise<JobStatus | undefined> {
    const e = this.entries.get(jobId);
    if (!e) return Promise.resolve(undefined);
    const entries = [...e.children].map((c) => this.entries.get(c));
    const children = entries.map((c) => c?.state);
    return Promise.resolve({
      id: e.id,
      name: e.name,
      state: e.state,
      data: e.data,
      children: {
        processed: children.filter((s) => s === 'completed').length,
        pending: children.filter((s) => s !== 'completed' && s !== 'failed').length,
        failed: children.filter((s) => s === 'failed').length,
      },
      childResults: completedResults(entries),
      progress: e.progress,
      result: e.result,
      failedReason: e.failedReason,
      attemptsMade: e.attemptsMade,
    });
  }

  counts(): Promise<Record<JobState, number>> {
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

  /** Resolves when the job has completed or failed for good (for tests and the CLI). */
  async waitFor(jobId: string): Promise<JobStatus | undefined> {
    const e = this.entries.get(jobId);
    if (e) await e.done.promise;
    return this.status(jobId);
  }

  /** Resolves once nothing is waiting, running or delayed. */
  async drain(): Promise<void> {
    for (;;) {
      const open = [...this.entries.values()].filter((e) => e.state !== 'completed' && e.state !== 'failed');
      if (open.length === 0) return;
      await Promise.all(open.map((e) => e.done.promise));
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
    // Same id while the job is pending or running: a duplicate request, dropped (as BullMQ does).
    if (existing && existing.state !== 'completed' && existing.state !== 'failed') return id;
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
      done: deferred(),
    };
    this.entries.set(id, entry);
    if (parentId) this.entries.get(parentId)?.children.add(id);
    this.ready.push(id);
    this.pump();
    return id;
  }

  private pump(): void {
    if (!this.handlers || this.closed) return;
    while (this.running < this.options.concurrency && this.ready.length > 0) {
      const entry = this.entries.get(this.ready.shift()!);
      if (!entry || entry.state !== 'waiting') continue;
      this.running++;
      void this.run(entry).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(entry: Entry): Promise<void> {
    const handler = this.handlers![entry.name] as (data: unknown, ctx: JobContext) => Promise<unknown>;
    entry.state = 'active';
    entry.attemptsMade++;
    let suspended = false;
    const ctx: JobContext = {
      jobId: entry.id,
      attempt: entry.attemptsMade,
      finalAttempt: entry.attemptsMade >= (this.options.attempts ?? 5),
      reportProgress: (p) => {
        entry.progress = p;
        return Promise.resolve();
      },
      updateData: (data) => {
        entry.data = data;
        return Promise.resolve();
      },
      addChildren: (requests) => {
        for (const r of requests) this.add(r, entry.id);
        return Promise.resolve();
      },
      waitForChildren: () => {
        const children = [...entry.children].map((c) => this.entries.get(c));
        const failed = children.find((c) => c?.state === 'failed');
        if (failed) return Promise.reject(childFailed(failed));
        suspended = children.some((c) => c?.state !== 'completed');
        return Promise.resolve(suspended);
      },
      childResults: () =>
        Promise.resolve(completedResults([...entry.children].map((c) => this.entries.get(c)))),
    };
    try {
      const result = await handler(entry.data, ctx);
      if (suspended) {
        entry.state = 'waiting-children';
        void this.resumeAfterChildren(entry);
        return;
      }
      this.finish(entry, 'completed', result, undefined);
    } catch (e) {
      const attempts = this.options.attempts ?? 5;
      if (isRetryable(e) && entry.attemptsMade < attempts) {
        entry.state = 'delayed';
        const delay = (this.options.backoffMs ?? 1000) * 2 ** (entry.attemptsMade - 1);
        setTimeout(() => {
          entry.state = 'waiting';
          this.ready.push(entry.id);
          this.pump();
        }, delay).unref();
        return;
      }
      this.finish(entry, 'failed', undefined, describeError(e));
    }
  }

  private async resumeAfterChildren(entry: Entry): Promise<void> {
    const children = [...entry.children].map((c) => this.entries.get(c)!);
    await Promise.all(children.map((c) => c.done.promise));
    const failed = children.find((c) => c.state === 'failed');
    if (failed) {
      // As on BullMQ with failParentOnFailure: a child out of attempts fails the parent.
      this.finish(entry, 'failed', undefined, describeError(childFailed(failed)));
      return;
    }
    entry.state = 'waiting';
    this.ready.push(entry.id);
    this.pump();
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
    entry.done.resolve();
    // A child is forgotten with its parent, never before: the parent's last step reads the children's results.
    if (!entry.parentId) this.finished.push(entry.id, ...entry.children);
    const keep = this.options.keepFinished ?? 10_000;
    while (this.finished.length > keep) this.entries.delete(this.finished.shift()!);
  }
}

function completedResults(children: readonly (Entry | undefined)[]): unknown[] {
  return children.filter((c) => c?.state === 'completed').map((c) => c!.result);
}

function childFailed(child: Entry): DomainError {
  return new DomainError('UNAVAILABLE', `child ${child.id} failed: ${child.failedReason ?? ''}`, {
    transient: false,
  });
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

// Promise.withResolvers needs Node 22.
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
