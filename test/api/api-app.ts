import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { JOB_QUEUE, type IndexingModuleOptions, type JobQueue } from '@vitrine/indexing';
import { ApiModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/app.setup';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TEST_REDIS_URL } from '../support/services';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';

export { DEMO_DIR } from '../support/indexing-app';

/** The real HTTP app on a fresh PostgreSQL database, Redis (BullMQ, its own prefix) and an embedded store. */
export interface ApiTestApp {
  readonly app: NestExpressApplication;
  readonly config: AppConfig;
  /** Pass to supertest's `request()`. */
  readonly server: ReturnType<NestExpressApplication['getHttpServer']>;
  readonly queue: JobQueue;
  close(): Promise<void>;
}

export interface ApiTestOptions {
  /** Import (and index) the demo catalog at boot, as `npm start` does on first run. Default false. */
  readonly demoCatalog?: boolean;
  readonly env?: Record<string, string>;
  /** Indexing options on top of the default (this process consumes jobs too: `role: 'worker'`). */
  readonly indexing?: IndexingModuleOptions;
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

export async function startApiApp(options: ApiTestOptions = {}): Promise<ApiTestApp> {
  const db: TestDatabase = await createTestDatabase('api');
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-api-'));
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
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: quiet });
  configureApp(app, config);
  await app.init();
  const queue = app.get<JobQueue>(JOB_QUEUE);
  if (options.demoCatalog) await waitForIdle(queue, 240_000);
  return {
    app,
    config,
    server: app.getHttpServer(),
    queue,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
