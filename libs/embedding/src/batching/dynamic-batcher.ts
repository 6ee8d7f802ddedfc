/** Per-item result of a batch run: a value, or the error for that item alone. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface DynamicBatcherOptions<I, O> {
  /** Most items per run. */
  readonly maxBatch: number;
  /** How long the first queued item may wait for others before its batch runs anyway. */
  readonly maxWaitMs: number;
  /** Processes one batch; must return one result per item, in order. */
  readonly run: (items: I[]) => Promise<Settled<O>[]>;
}

interface Pending<I, O> {
  readonly item: I;
  readonly since: number;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent single requests into batches: a batch runs when `maxBatch` items are queued or the
 * oldest has waited `maxWaitMs`. At most one batch runs at a time; items that arrive meanwhile form the next
 * one, so the batch size grows with load instead of queueing many small runs.
 */
export class DynamicBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: { cancel(): void } | undefined;
  private running = 0;

  constructor(private readonly options: DynamicBatcherOptions<I, O>) {}

  /** Items queued or in the running batch. */
  get size(): number {
    return this.queue.length + this.running;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, since: performance.now(), resolve, reject });
      // Never run from inside submit(): callers in the same tick must get a chance to join the batch.
      this.schedule(false);
    });
  }

  /** Rejects everything still queued (not the running batch) with `error`. */
  rejectQueued(error: unknown): void {
    this.timer?.cancel();
    this.timer = undefined;
    const q = this.queue;
    this.queue = [];
    q.forEach((p) => p.reject(error));
  }

  private schedule(mayRunNow: boolean): void {
    if (this.running > 0 || this.queue.length === 0) return;
    const first = this.queue[0] as Pending<I, O>;
    const waited = performance.now() - first.since;
    if (this.queue.length >= this.options.maxBatch || (mayRunNow && waited >= this.options.maxWaitMs)) {
      this.timer?.cancel();
      this.timer = undefined;
      this.flush();
    } else if (!this.timer) {
      this.timer = later(Math.max(0, this.options.maxWaitMs - waited), () => {
        this.timer = undefined;
        this.schedule(true);
      });
    }
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running = batch.length;
    this.options
      .run(batch.map((p) => p.item))
      .then(
        (results) => {
          batch.forEach((p, i) => {
            const r = results[i];
            if (!r) p.reject(new Error('batch returned fewer results than items'));
            else if (r.ok) p.resolve(r.value);
            else p.reject(r.error);
          });
        },
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.running = 0;
        this.schedule(true);
      });
  }
}

/**
 * Runs `fn` after `ms`; with 0, right after the current event-loop turn (`setImmediate`), so the requests whose
 * bytes were read in the same turn still join the batch, without the millisecond a zero timeout costs.
 */
function later(ms: number, fn: () => void): { cancel(): void } {
  if (ms <= 0) {
    const handle = setImmediate(fn);
    return { cancel: () => clearImmediate(handle) };
  }
  const handle = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(handle) };
}
