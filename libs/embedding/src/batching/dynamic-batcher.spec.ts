import { DynamicBatcher, type Settled } from './dynamic-batcher';

/** A batcher whose runs are recorded and finished by the test. */
function recorder(maxBatch: number, maxWaitMs: number) {
  const runs: number[][] = [];
  const finish: (() => void)[] = [];
  const batcher = new DynamicBatcher<number, number>({
    maxBatch,
    maxWaitMs,
    run: (items) =>
      new Promise<Settled<number>[]>((resolve) => {
        runs.push(items);
        finish.push(() => resolve(items.map((x) => ({ ok: true, value: x * 10 }))));
      }),
  });
  return { batcher, runs, finish };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DynamicBatcher', () => {
  it('with no wait, runs the requests of one event-loop turn as one batch right after that turn', async () => {
    const { batcher, runs, finish } = recorder(32, 0);
    const results = [1, 2, 3].map((x) => batcher.submit(x));
    expect(runs).toEqual([]); // never from inside submit()
    await turn();
    expect(runs).toEqual([[1, 2, 3]]);
    finish[0]!();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
  });

  it('queues what arrives during a run as the next batch, split at maxBatch', async () => {
    const { batcher, runs, finish } = recorder(2, 0);
    const first = batcher.submit(1);
    await turn();
    const later = [2, 3, 4].map((x) => batcher.submit(x));
    await turn();
    expect(runs).toEqual([[1]]); // one run at a time
    finish[0]!();
    await first;
    await turn();
    expect(runs).toEqual([[1], [2, 3]]);
    finish[1]!();
    await turn();
    expect(runs).toEqual([[1], [2, 3], [4]]);
    finish[2]!();
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
  });

  it('with a wait, holds the first request until the wait is over so later ones can join', async () => {
    const { batcher, runs, finish } = recorder(32, 200);
    const a = batcher.submit(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toEqual([]);
    const b = batcher.submit(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toEqual([[1, 2]]);
    finish[0]!();
    await expect(Promise.all([a, b])).resolves.toEqual([10, 20]);
  });

  it('rejects what is still queued, and only that', async () => {
    const { batcher, runs, finish } = recorder(32, 0);
    const running = batcher.submit(1);
    await turn();
    const queued = batcher.submit(2);
    batcher.rejectQueued(new Error('closing'));
    await expect(queued).rejects.toThrow('closing');
    finish[0]!();
    await expect(running).resolves.toBe(10);
    expect(runs).toEqual([[1]]);
  });
});
