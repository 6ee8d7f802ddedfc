import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dependencyOutageOf } from '@vitrine/core';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../../../../test/support/catalog-db';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { createCatalogDataSource, type CatalogDatabase } from './catalog-data-source';

/** How long the slow statement would run without a bound (under the 5 s embedded watchdog); the bound is far less. */
const SLEEP_S = 4;
const BOUND_MS = 1500;

/** Runs the slow statement and reports how long it took to fail, and how the API would answer it. */
async function slowQuery(db: CatalogDatabase): Promise<{ ms: number; code: string | undefined }> {
  const started = Date.now();
  try {
    await db.dataSource.query(`SELECT pg_sleep(${SLEEP_S})`);
    return { ms: Date.now() - started, code: 'no error' };
  } catch (e) {
    return { ms: Date.now() - started, code: dependencyOutageOf(e)?.code };
  }
}

describe('DATABASE_QUERY_TIMEOUT_MS bounds every catalog query', () => {
  it('PostgreSQL cancels a statement over the bound: UNAVAILABLE in well under the statement time', async () => {
    const pg: TestDatabase = await createTestDatabase('query_timeout');
    const db = await createCatalogDataSource(
      { kind: 'postgres', url: pg.url, poolSize: 1, queryTimeoutMs: BOUND_MS },
      { runMigrations: false },
    );
    try {
      const slow = await slowQuery(db);
      expect(slow.code).toBe('UNAVAILABLE');
      expect(slow.ms).toBeLessThan(SLEEP_S * 1000 - 500);
      // The pool is fine afterwards.
      expect(await db.dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
      await pg.drop();
    }
  });

  it(
    'embedded PGlite: the client gives up at the bound (UNAVAILABLE) and the catalog answers again afterwards',
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-query-timeout-'));
      const dir = path.join(root, 'data');
      await copyPgliteTemplate(dir);
      const db = await createCatalogDataSource(
        { kind: 'pglite', dir, queryTimeoutMs: BOUND_MS },
        { runMigrations: false },
      );
      try {
        const slow = await slowQuery(db);
        expect(slow.code).toBe('UNAVAILABLE');
        expect(slow.ms).toBeLessThan(SLEEP_S * 1000 - 500);
        // PGlite finishes the statement it was running, then serves the pool's new connection.
        const deadline = Date.now() + 30_000;
        let answer: unknown;
        while (answer === undefined && Date.now() < deadline) {
          answer = await db.dataSource.query('SELECT 1 AS one').catch(() => undefined);
        }
        expect(answer).toEqual([{ one: 1 }]);
        expect(db.embedded?.stats().crashes).toBe(0);
      } finally {
        await db.close();
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );

  it(
    'embedded PGlite stuck in a statement that does not end is restarted by the watchdog, and serves again',
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-query-stuck-'));
      const dir = path.join(root, 'data');
      await copyPgliteTemplate(dir);
      const db = await createCatalogDataSource(
        { kind: 'pglite', dir, queryTimeoutMs: BOUND_MS },
        { runMigrations: false },
      );
      try {
        // Ten minutes of a blocked worker thread: every other query would wait behind it.
        const stuck = db.dataSource.query('SELECT pg_sleep(600)').catch((e: unknown) => e);
        expect(dependencyOutageOf(await stuck)?.code).toBe('UNAVAILABLE');
        const started = Date.now();
        let answer: unknown;
        while (answer === undefined && Date.now() - started < 30_000) {
          answer = await db.dataSource.query('SELECT 1 AS one').catch(() => undefined);
        }
        expect(answer).toEqual([{ one: 1 }]);
        expect(db.embedded?.stats()).toMatchObject({ crashes: 1, restarts: 1 });
        expect(db.embedded?.stats().lastCrash).toMatch(/did not answer for \d+ ms \(stuck\)/);
      } finally {
        await db.close();
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );
});
