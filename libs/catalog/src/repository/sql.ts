import { DataSource, type QueryRunner } from 'typeorm';

export interface SqlResult<T> {
  readonly rows: T[];
  /** Rows inserted, updated, deleted or returned. */
  readonly count: number;
}

/**
 * Runs one parameterised statement and returns its rows and row count the same way for every command (TypeORM's
 * plain `query()` shapes DELETE/UPDATE results differently from the rest).
 */
export async function sql<T>(
  on: DataSource | QueryRunner,
  text: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<T>> {
  const owned = on instanceof DataSource;
  const runner = on instanceof DataSource ? on.createQueryRunner() : on;
  try {
    const result = await runner.query(text, params as unknown[], true);
    const rows = (result.records ?? []) as T[];
    return { rows, count: result.affected ?? rows.length };
  } finally {
    if (owned) await runner.release();
  }
}

/**
 * Runs `work` in one transaction on one connection; rolls back on error (throwing `work`'s error) or when `rollback`
 * is true.
 */
export async function inTransaction<R>(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<R>,
  rollback = false,
): Promise<R> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    let result: R;
    try {
      result = await work(runner);
    } catch (e) {
      // On a connection PostgreSQL has ended (a restart, a dropped socket) the rollback fails too, and the server has
      // rolled back already: report what went wrong first, which the API maps to 503, not the rollback's own failure.
      await runner.rollbackTransaction().catch(() => undefined);
      throw e;
    }
    if (rollback) await runner.rollbackTransaction();
    else await runner.commitTransaction();
    return result;
  } finally {
    await runner.release();
  }
}
