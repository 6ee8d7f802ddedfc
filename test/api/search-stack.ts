import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig, type AppConfig } from '@vitrine/core';
import { CatalogImportService, CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, IndexingScheduler, JOB_QUEUE } from '@vitrine/indexing';
import { SearchModule } from '@vitrine/search';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitForIdle } from '../support/queue-idle';

export const DEMO_DIR = resolve(__dirname, '../../data/demo-catalog');
export const DEMO_MODEL_DIR = resolve(__dirname, '../../models/demo-clip');

/** The search stack (no HTTP) on a fresh PostgreSQL database with the demo catalog imported and indexed. */
export interface DemoSearchStack {
  readonly app: INestApplicationContext;
  readonly config: AppConfig;
  close(): Promise<void>;
}

const silent: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** For benchmarks and tests that exercise `SearchService` without HTTP. */
export async function startDemoSearchStack(env: Record<string, string> = {}): Promise<DemoSearchStack> {
  const db: TestDatabase = await createTestDatabase('search');
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-search-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    MODEL_DIR: DEMO_MODEL_DIR,
    LOG_LEVEL: 'warn',
    ...env,
  });
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      CatalogModule.forRoot(),
      EmbeddingModule.forRoot(),
      VectorsModule.forRoot(),
      IndexingModule.forRoot({ role: 'worker' }),
      SearchModule.forRoot(),
    ],
  })
  class DemoSearchModule {}
  const app = await NestFactory.createApplicationContext(DemoSearchModule, { logger: silent });
  try {
    const scheduler = app.get(IndexingScheduler);
    await app.get(CatalogImportService).importFile(join(DEMO_DIR, 'products.jsonl'), {
      onBatch: async (batch) => void (await scheduler.productsChanged(batch.changed)),
    });
    await waitForIdle(app.get(JOB_QUEUE), 300_000);
  } catch (e) {
    await app.close();
    throw e;
  }
  return {
    app,
    config,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
