/** `interactive` jobs (coalesced API requests) run before queued `bulk` jobs (indexer batches). */
export type LanePriority = 'interactive' | 'bulk';

interface Job {
  run(): Promise<void>;
}

/**
 * Runs model jobs one at a time. The sessions' worker thread (`OrtWorker`) computes one `run()` at a time
 * anyway (onnxruntime-node computes on the calling thread, with intra-op threads that already use every core);
 * queueing the jobs here lets an interactive request overtake bulk batches that are still waiting, instead of
 * queueing behind all of them in the worker.
 */
export class InferenceLane {
  private readonly queues: Record<LanePriority, Job[]> = { interactive: [], bulk: [] };
  private busy = false;
  private idleWaiters: (() => void)[] = [];

  /** Queues `fn`; resolves or rejects with its result once it has run. */
  run<T>(priority: LanePriority, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queues[priority].push({ run: () => fn().then(resolve, reject) });
      this.pump();
    });
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.queues.interactive.shift() ?? this.queues.bulk.shift();
    if (!job) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
      return;
    }
    this.busy = true;
    void job.run().finally(() => {
      this.busy = false;
      this.pump();
    });
  }
}
