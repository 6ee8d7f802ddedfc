import type { DataSource } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else names no row (and PostgreSQL would fail the statement on it). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** One parameterised statement: its rows (RETURNING included) and how many rows it touched. */
export async function query<T>(
  dataSource: DataSource,
  text: string,
  params: readonly unknown[] = [],
): Promise<{ rows: T[]; count: number }> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(text, params as unknown[], true);
    const rows = (result.records ?? []) as T[];
    return { rows, count: result.affected ?? rows.length };
  } finally {
    await runner.release();
  }
}
