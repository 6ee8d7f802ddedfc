import type { JobName, JobPayloads } from './job-definitions';

/** A job to add, with its deterministic id when it has one. */
export interface JobRequest<N extends JobName = JobName> {
  readonly name: N;
  readonly data: JobPayloads[N];
  readonly jobId?: string;
}

export type JobState =
  'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'waiting-children' | 'unknown';

/** Progress a long job reports; `etaSeconds` is absent until enough work has been done to estimate it. */
export interface JobProgress {
  readonly done: number;
  readonly total: number;
  readonly failed?: number;
  readonly etaSeconds?: number;
  readonly message?: string;
}

/** How far a parent job's children got. */
export interface ChildCounts {
  readonly processed: number;
  readonly pending: number;
  readonly failed: number;
}

export interface JobStatus {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  /** The job's current payload (multi-step jobs update it between steps). */
  readonly data: unknown;
  readonly children: ChildCounts;
  /** What the children that completed returned (a full reindex sums its batches' outcomes from them). */
  readonly childResults: readonly unknown[];
  readonly progress: JobProgress | undefined;
  readonly result: unknown;
  readonly failedReason: string | undefined;
  readonly attemptsMade: number;
}

/**
 * The indexer's queue: BullMQ on Redis, or in-process in embedded mode. Both run the same job types with the same
 * attempts, backoff and retention (`JOB_DEFINITIONS`), end a job failed at once on an unrecoverable error, and
 * keep a failed job's reason readable.
 */
export interface JobQueue {
  enqueue<N extends JobName>(request: JobRequest<N>): Promise<string>;
  enqueueBulk(requests: readonly JobRequest[]): Promise<string[]>;
  /** The state and progress of one job (for `reindex`, progress is computed from its children). */
  status(jobId: string): Promise<JobStatus | undefined>;
  /** Jobs per state across the queue. */
  counts(): Promise<Record<JobState, number>>;
  /**
   * Starts running jobs in this process with `handlers` (a worker). Rejects when a job name has no handler, or
   * when this process was set up only to enqueue.
   */
  consume(handlers: JobHandlers): Promise<void>;
  /** Stops consuming (jobs in flight finish, within a bound) and closes the queue. */
  close(): Promise<void>;
}

export const JOB_QUEUE = Symbol('JOB_QUEUE');

/** What a handler may do besides returning a result. */
export interface JobContext<N extends JobName = JobName> {
  readonly jobId: string;
  readonly attempt: number;
  /**
   * Whether this is the job's last attempt: a handler that would throw a transient error records it as the
   * outcome instead (a product whose picture server never answers ends failed with that reason, not lost).
   */
  readonly finalAttempt: boolean;
  reportProgress(progress: JobProgress): Promise<void>;
  /** Replaces the job's payload (the next step of a multi-step job reads it). */
  updateData(data: JobPayloads[N]): Promise<void>;
  /** Adds child jobs whose completion this job will wait for. */
  addChildren(requests: readonly JobRequest[]): Promise<void>;
  /**
   * Suspends this job until all its children have completed; it is then run again with its latest data.
   * Returns `true` when the job was suspended (the handler must return right away), `false` if no child is
   * pending and the handler can go on.
   */
  waitForChildren(): Promise<boolean>;
  /** What this job's completed children returned. */
  childResults(): Promise<unknown[]>;
}

export type JobHandler<N extends JobName> = (data: JobPayloads[N], ctx: JobContext<N>) => Promise<unknown>;

/** One handler per job name; the compiler refuses a map that misses one. */
export type JobHandlers = { readonly [N in JobName]: JobHandler<N> };
