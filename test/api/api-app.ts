import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { JOB_QUEUE, type IndexingModuleOptions, type JobQueue } from '@vitrine/indexing';
import { ApiModule } from '../../apps/api/src/app.module';
import { configureApp, createHttpAdapter } from '../../apps/api/src/app.setup';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { demoSnapshot } from '../support/demo-snapshot';
import { TEST_REDIS_URL } from '../support/services';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';

export { DEMO_DIR } from '../support/indexing-app';

/** The real HTTP app on a fresh PostgreSQL database, Redis (BullMQ, its own prefix) and an embedded store. */
export interface ApiTestApp {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  /** Pass to supertest's `request()`. */
  readonly server: ReturnType<NestFastifyApplication['getHttpServer']>;
  readonly queue: JobQueue;
  close(): Promise<void>;
}

export interface ApiTestOptions {
  /**
   * Import (and index) the demo catalog at boot, as `npm start` does on first run. Default false. In a Jest run the
   * first suite that asks does so and keeps the result; the next ones start from a copy of it (test/support/demo-snapshot).
   */
  readonly demoCatalog?: boolean;
  readonly env?: Record<string, string>;
  /** Indexing options on top of the default (this process consumes jobs too: `role: 'worker'`). */
  readonly indexing?: IndexingModuleOptions;
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Variables that change nothing in what the demo catalog's import and indexing leave behind: a suite that sets only
 * these starts from the run's snapshot of the indexed demo catalog instead of indexing it again.
 */
const SNAPSHOT_NEUTRAL = new Set([
  'ADMIN_API_KEYS',
  'ADMIN_AUTH_FAILURES_PER_MINUTE',
  'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE',
]);

export async function startApiApp(options: ApiTestOptions = {}): Promise<ApiTestApp> {
  const snapshot =
    options.demoCatalog &&
    options.indexing === undefined &&
    Object.keys(options.env ?? {}).every((k) => SNAPSHOT_NEUTRAL.has(k))
      ? await demoSnapshot(async (db, dataDir) => {
          const seeding = await bootApiApp(db, dataDir, { demoCatalog: true });
          await seeding.app.close();
        })
      : undefined;
  const db = await createTestDatabase('api', snapshot ? { template: snapshot.database } : {});
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-api-'));
  if (snapshot) cpSync(snapshot.dataDir, dataDir, { recursive: true });
  const booted = await bootApiApp(db, dataDir, options).catch(async (e: unknown) => {
    await db.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    ...booted,
    close: async () => {
      await booted.app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Boots the API on `db` and `dataDir`; with the demo catalog, waits until it is indexed (a no-op on a snapshot). */
async function bootApiApp(
  db: TestDatabase,
  dataDir: string,
  options: ApiTestOptions,
): Promise<Omit<ApiTestApp, 'close'>> {
  const config = loadConfig(
    {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `vitrine-api-test-${randomUUID()}`,
      DATA_DIR: dataDir,
      MODEL_DIR: DEMO_MODEL_DIR,
      LOG_LEVEL: 'silent',
      SEED_DEMO_CATALOG: options.demoCatalog ? 'true' : 'false',
      ...options.env,
    },
    resolve(__dirname, '../..'),
  );
  // With Redis the API is normally a producer beside an indexer process; here it consumes too.
  const moduleRef = await Test.createTestingModule({
    imports: [ApiModule.forRoot(config, { indexing: { role: 'worker', ...options.indexing } })],
  })
    .setLogger(quiet)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
    bodyParser: false,
    logger: quiet,
  });
  try {
    configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const queue = app.get<JobQueue>(JOB_QUEUE);
    if (options.demoCatalog) await waitForIdle(queue, 240_000);
    return { app, config, server: app.getHttpServer(), queue };
  } catch (e) {
    // The suite's afterAll has no app to close when this throws: closed here, or its database pool and queue
    // keep running after the suite's modules are gone, and a pool reconnecting then crashes the whole in-band run
    // ("Cannot read properties of undefined (reading 'Socket')" in pg), losing every suite after it.
    await app.close().catch(() => undefined);
    throw e;
  }
}
