import { RetentionJanitor } from './retention-janitor';

class Janitor extends RetentionJanitor {
  readonly calls: number[] = [];
  constructor(private readonly outcome: () => Promise<number>) {
    super('TestJanitor', 'rows');
  }
  protected retentionDays(): number {
    return 30;
  }
  protected deleteOlderThan(days: number): Promise<number> {
    this.calls.push(days);
    return this.outcome();
  }
}

describe('RetentionJanitor', () => {
  it('purges at boot with the retention it is given and stops its timer on shutdown', async () => {
    const janitor = new Janitor(() => Promise.resolve(3));
    await janitor.onModuleInit();
    expect(janitor.calls).toEqual([30]);
    janitor.onModuleDestroy();
  });

  it('reports a failed purge as nothing deleted instead of failing the boot', async () => {
    const janitor = new Janitor(() => Promise.reject(new Error('database is down')));
    await expect(janitor.onModuleInit()).resolves.toBeUndefined();
    await expect(janitor.purge()).resolves.toBe(0);
    janitor.onModuleDestroy();
  });
});
