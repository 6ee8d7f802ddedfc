import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { inTransaction } from './sql';

/**
 * A transaction whose connection PostgreSQL ends (a fast restart, `pg_terminate_backend`) must fail with what
 * PostgreSQL said: the soak's PostgreSQL restarts turned an admin upsert into a 500 because the rollback on the dead
 * connection threw `QueryRunnerAlreadyReleasedError` over the real error, which the API maps to 503.
 */
describe('inTransaction', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase('sql');
    dataSource = new DataSource({ type: 'postgres', url: db.url, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (n int)');
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('reports the ended session, not the failed rollback, and commits nothing', async () => {
    const failure = inTransaction(dataSource, async (runner) => {
      await runner.query('INSERT INTO t VALUES (1)');
      await runner.query('SELECT pg_terminate_backend(pg_backend_pid())');
    });
    await expect(failure).rejects.toMatchObject({ code: '57P01' });
    await expect(dataSource.query('SELECT count(*)::int AS n FROM t')).resolves.toEqual([{ n: 0 }]);
  });

  it('still rolls back an ordinary failure on a live connection', async () => {
    await expect(
      inTransaction(dataSource, async (runner) => {
        await runner.query('INSERT INTO t VALUES (2)');
        await runner.query('SELECT * FROM no_such_table');
      }),
    ).rejects.toMatchObject({ code: '42P01' });
    await expect(dataSource.query('SELECT count(*)::int AS n FROM t')).resolves.toEqual([{ n: 0 }]);
  });
});
