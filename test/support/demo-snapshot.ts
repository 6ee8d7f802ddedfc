import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseAt, testDatabaseName, withAdminClient, type TestDatabase } from './database';

/**
 * The environment variable that names one Jest run (set by test/global-setup.ts, read by its teardown): the demo
 * catalog's snapshot belongs to that run, so it is built from this run's code and never outlives it.
 */
export const TEST_RUN_VARIABLE = 'VITRINE_TEST_RUN';

/** The demo catalog imported and indexed once, as a first `npm start` leaves it: a database and a data folder. */
export interface DemoSnapshot {
  /** A database nobody connects to, to pass as `TEMPLATE` (see createTestDatabase). */
  readonly database: string;
  /** The data folder (embedded vector store) that goes with it: copy it, never use it. */
  readonly dataDir: string;
}

/** Where the snapshot of run `run` lives, whether built or not. */
export function demoSnapshotOf(
  run: string,
): DemoSnapshot & { readonly db: TestDatabase; readonly marker: string } {
  const database = testDatabaseName('demo', run);
  const dataDir = join(tmpdir(), `vitrine-demo-snapshot-${run}`);
  return { database, db: testDatabaseAt(database), dataDir, marker: `${dataDir}.complete` };
}

/**
 * The demo catalog's snapshot of this Jest run, built by `seed` the first time a suite asks for it: booting the API
 * on an empty catalog imports and indexes the ~500 demo products (the first-run path, so it stays tested), which
 * every suite that needed them did again; the others now copy the result. Suites may run in parallel workers:
 * an advisory lock lets one build while the others wait. Undefined outside a Jest run of the integration project
 * (no run id): the caller then seeds as before.
 *
 * `seed(db, dataDir)` must boot the app with the demo catalog on that database and folder, wait until indexing is
 * idle, and close the app (so the database has no session left and the folder is written).
 */
export async function demoSnapshot(
  seed: (db: TestDatabase, dataDir: string) => Promise<void>,
): Promise<DemoSnapshot | undefined> {
  const run = process.env[TEST_RUN_VARIABLE];
  if (!run) return undefined;
  const snapshot = demoSnapshotOf(run);
  await withAdminClient(async (c) => {
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [snapshot.database]);
    try {
      if (existsSync(snapshot.marker)) return;
      // A build that failed half-way (its suite failed with it) leaves what it made: start again from nothing.
      await snapshot.db.drop();
      rmSync(snapshot.dataDir, { recursive: true, force: true });
      await c.query(`CREATE DATABASE "${snapshot.database}"`);
      mkdirSync(snapshot.dataDir);
      await seed(snapshot.db, snapshot.dataDir);
      writeFileSync(snapshot.marker, '');
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [snapshot.database]);
    }
  });
  return { database: snapshot.database, dataDir: snapshot.dataDir };
}

/** Removes the snapshot of run `run` (global teardown). */
export async function dropDemoSnapshot(run: string): Promise<void> {
  const snapshot = demoSnapshotOf(run);
  await snapshot.db.drop();
  rmSync(snapshot.dataDir, { recursive: true, force: true });
  rmSync(snapshot.marker, { force: true });
}
