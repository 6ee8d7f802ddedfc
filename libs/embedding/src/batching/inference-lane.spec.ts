import { InferenceLane } from './inference-lane';

/** A job the test finishes by hand, recording when it starts. */
function job(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    fn: () => {
      log.push(`start ${name}`);
      return done.then(() => name);
    },
    finish,
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('InferenceLane', () => {
  it('runs an interactive job beside a bulk job that is still running, not after it', async () => {
    const lane = new InferenceLane();
    const log: string[] = [];
    const bulk = job(log, 'bulk');
    const query = job(log, 'query');
    const bulkDone = lane.run('bulk', bulk.fn);
    const queryDone = lane.run('interactive', query.fn);
    await turn();
    expect(log).toEqual(['start bulk', 'start query']);
    query.finish();
    await expect(queryDone).resolves.toBe('query');
    bulk.finish();
    await expect(bulkDone).resolves.toBe('bulk');
  });

  it('runs the jobs of one priority one at a time, in order', async () => {
    const lane = new InferenceLane();
    const log: string[] = [];
    const [a, b] = [job(log, 'a'), job(log, 'b')];
    const done = [lane.run('bulk', a.fn), lane.run('bulk', b.fn)];
    await turn();
    expect(log).toEqual(['start a']);
    a.finish();
    await done[0];
    await turn();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await expect(Promise.all(done)).resolves.toEqual(['a', 'b']);
  });

  it('is idle only when neither priority has work', async () => {
    const lane = new InferenceLane();
    const log: string[] = [];
    const [bulk, query] = [job(log, 'bulk'), job(log, 'query')];
    void lane.run('bulk', bulk.fn);
    void lane.run('interactive', query.fn);
    let idle = false;
    void lane.whenIdle().then(() => (idle = true));
    query.finish();
    await turn();
    expect(idle).toBe(false);
    bulk.finish();
    await turn();
    expect(idle).toBe(true);
  });
});
