/** `interactive` jobs (coalesced API requests) never wait for `bulk` jobs (indexer batches). */
export type LanePriority = 'interactive' | 'bulk';

interface Job {
  run(): Promise<void>;
}

/**
 * Runs model jobs one at a time per priority: at most one interactive and one bulk run are in flight together.
 * The two priorities run on separate sessions, each on its own worker thread (see the provider's `sessionsFor`),
 * so a search's query never queues behind an indexing batch. Within a priority, runs go one after another: a
 * worker computes one `run()` at a time, with intra-op threads that already use every core.
 */
export class InferenceLane {
  private readonly queues: Record<LanePriority, Job[]> = { interactive: [], bulk: [] };
  private readonly busy: Record<LanePriority, boolean> = { interactive: false, bulk: false };
  private idleWaiters: (() => void)[] = [];

  /** Queues `fn`; resolves or rejects with its result once it has run. */
  run<T>(priority: LanePriority, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queues[priority].push({ run: () => fn().then(resolve, reject) });
      this.pump(priority);
    });
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private idle(): boolean {
    return !this.busy.interactive && !this.busy.bulk;
  }

  private pump(priority: LanePriority): void {
    if (this.busy[priority]) return;
    const job = this.queues[priority].shift();
    if (!job) {
      if (this.idle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
      return;
    }
    this.busy[priority] = true;
    void job.run().finally(() => {
      this.busy[priority] = false;
      this.pump(priority);
    });
  }
}
