import { randomUUID } from 'node:crypto';
import type { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService } from './analytics.service';
import { normaliseQuery, type SearchRecord } from './analytics.types';

/** A repository that stores batches, or refuses them while `down`. */
class FakeRepository {
  down = false;
  readonly batches: SearchRecord[][] = [];
  insertSearches(rows: readonly SearchRecord[]): Promise<void> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    this.batches.push([...rows]);
    return Promise.resolve();
  }
  get written(): SearchRecord[] {
    return this.batches.flat();
  }
}

const noProducts = { existingIds: () => Promise.resolve(new Set<string>()) };
const search = (query: string, total = 3): SearchRecord => ({
  queryId: randomUUID(),
  kind: 'text',
  query,
  total,
  at: new Date(),
});

function service(repo: FakeRepository, settings = {}) {
  return new AnalyticsService(repo as unknown as AnalyticsRepository, noProducts, {
    flushIntervalMs: 60_000,
    ...settings,
  });
}

describe('AnalyticsService.recordSearch', () => {
  it('writes nothing on the call itself, then the whole buffer in batches on flush', async () => {
    const repo = new FakeRepository();
    const analytics = service(repo, { batchSize: 1000 });
    for (let i = 0; i < 5; i++) analytics.recordSearch(search(`q${i}`));
    expect(repo.written).toHaveLength(0);
    await analytics.flush();
    expect(repo.written.map((r) => r.query)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    await analytics.onModuleDestroy();
  });

  it('starts a write as soon as a batch is full', async () => {
    const repo = new FakeRepository();
    const analytics = service(repo, { batchSize: 3 });
    for (let i = 0; i < 3; i++) analytics.recordSearch(search(`q${i}`));
    await analytics.flush();
    expect(repo.batches.map((b) => b.length)).toEqual([3]);
    await analytics.onModuleDestroy();
  });

  it('stores queries normalised and no text for picture searches', async () => {
    const repo = new FakeRepository();
    const analytics = service(repo);
    analytics.recordSearch(search('  Red   SNEAKERS \t'));
    analytics.recordSearch({ ...search('ignored'), kind: 'image' });
    analytics.recordSearch({ ...search('bad id'), queryId: 'not-a-uuid' });
    await analytics.onModuleDestroy();
    expect(repo.written.map((r) => [r.kind, r.query])).toEqual([
      ['text', 'red sneakers'],
      ['image', null],
    ]);
  });

  it('keeps searches while the database is down and writes them when it is back', async () => {
    const repo = new FakeRepository();
    const analytics = service(repo);
    repo.down = true;
    analytics.recordSearch(search('a'));
    analytics.recordSearch(search('b'));
    await analytics.flush();
    expect(analytics.stats().buffered).toBe(2);
    repo.down = false;
    await analytics.flush();
    expect(repo.written.map((r) => r.query)).toEqual(['a', 'b']);
    expect(analytics.stats()).toEqual({ buffered: 0, dropped: 0 });
  });

  it('drops the oldest past its bound while the database is down, and counts them', async () => {
    const repo = new FakeRepository();
    const dropped: number[] = [];
    const analytics = service(repo, { maxBuffered: 3, onDropped: (n: number) => dropped.push(n) });
    repo.down = true;
    for (const q of ['a', 'b', 'c', 'd', 'e']) analytics.recordSearch(search(q));
    expect(analytics.stats()).toEqual({ buffered: 3, dropped: 2 });
    expect(dropped.reduce((s, n) => s + n, 0)).toBe(2);
    repo.down = false;
    await analytics.onModuleDestroy();
    expect(repo.written.map((r) => r.query)).toEqual(['c', 'd', 'e']);
  });

  it('a clean stop writes what is buffered and refuses later records', async () => {
    const repo = new FakeRepository();
    const analytics = service(repo, { batchSize: 2 });
    for (const q of ['a', 'b', 'c', 'd', 'e']) analytics.recordSearch(search(q));
    await analytics.onModuleDestroy();
    expect(repo.written).toHaveLength(5);
    analytics.recordSearch(search('late'));
    expect(analytics.stats().buffered).toBe(0);
  });
});

describe('normaliseQuery', () => {
  it('trims, lower-cases and collapses white space; blank is no query', () => {
    expect(normaliseQuery('  Running\u00a0 Shoes ')).toBe('running shoes');
    expect(normaliseQuery('   ')).toBeNull();
    expect(normaliseQuery(null)).toBeNull();
  });
});
