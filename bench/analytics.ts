// npm run bench:analytics [-- <searches>]
// What recording a search costs the search route (AnalyticsService.recordSearch: a buffer append), and how fast the
// batches reach PostgreSQL (TEST_DATABASE_URL's server, a fresh database). Prints ns per call and rows/s.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { AnalyticsRepository, AnalyticsService, ANALYTICS_MIGRATIONS } from '@vitrine/analytics';
import { createCatalogDataSource } from '@vitrine/catalog';
import { createTestDatabase } from '../test/support/database';

const count = Number(process.argv[2] ?? 100_000);
const noProducts = { existingIds: () => Promise.resolve(new Set<string>()) };

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} cores, ${count} searches\n`);
  const queries = Array.from({ length: 500 }, (_, i) => `  Red  Sneakers ${i} `);
  const records = Array.from({ length: count }, (_, i) => ({
    queryId: randomUUID(),
    kind: 'text' as const,
    query: queries[i % queries.length]!,
    total: i % 7,
    at: new Date(),
  }));

  // The hot path alone: a store that never answers keeps every write in flight, so only the append is timed.
  const pending = { insertSearches: () => new Promise<void>(() => undefined) };
  // Three rounds on fresh services; the best is the steady state (the first also pays for JIT compilation).
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const hot = new AnalyticsService(pending as unknown as AnalyticsRepository, noProducts, {
      batchSize: count + 1,
      flushIntervalMs: 3_600_000,
      maxBuffered: count + 1,
    });
    const started = process.hrtime.bigint();
    for (const r of records) hot.recordSearch(r);
    rounds.push(Number(process.hrtime.bigint() - started) / count);
  }
  console.log(
    `recordSearch (check, normalise, append): ${Math.min(...rounds).toFixed(0)} ns per search ` +
      `(rounds: ${rounds.map((r) => r.toFixed(0)).join(', ')} ns)`,
  );

  const pg = await createTestDatabase('bench_analytics');
  const db = await createCatalogDataSource(
    { kind: 'postgres', url: pg.url, poolSize: 2 },
    { migrations: ANALYTICS_MIGRATIONS },
  );
  try {
    const analytics = new AnalyticsService(new AnalyticsRepository(db), noProducts, {
      flushIntervalMs: 3_600_000,
      maxBuffered: count + 1,
    });
    let t = process.hrtime.bigint();
    for (const r of records) analytics.recordSearch(r);
    await analytics.onModuleDestroy();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    const written = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM search_queries',
    );
    console.log(
      `written to PostgreSQL in batches of 200: ${written[0]!.n} rows in ${s.toFixed(2)} s (${Math.round(count / s)} rows/s)`,
    );
    t = process.hrtime.bigint();
    const report = await analytics.report(1);
    console.log(
      `GET /v1/admin/analytics over them: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms ` +
        `(${report.searches} searches, ${report.topQueries.length} top queries)`,
    );
  } finally {
    await db.close();
    await pg.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
