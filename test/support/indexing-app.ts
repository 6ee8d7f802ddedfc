import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { ConfigModule, loadConfig, type AppConfig } from '@vitrine/core';
import { CatalogModule, type LibraryMigration } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, type IndexingModuleOptions } from '@vitrine/indexing';
import { createTestDatabase, type TestDatabase } from './database';

export const DEMO_MODEL_DIR = resolve(__dirname, '../../models/demo-clip');
export const DEMO_DIR = resolve(__dirname, '../../data/demo-catalog');
export const DEMO_CATALOG = resolve(DEMO_DIR, 'products.jsonl');

export interface IndexingStackOptions extends IndexingModuleOptions {
  /** Capability modules on top of indexing (search, insights), as the API composes them. */
  readonly modules?: readonly DynamicModule[];
  /** Migrations of those modules' own tables, run with the catalog's. */
  readonly migrations?: readonly LibraryMigration[];
}

/**
 * A whole indexing stack on the real services: a fresh PostgreSQL database (or `existing`'s), the demo model, an
 * embedded store, and `options.modules` on top.
 */
export interface IndexingStack {
  readonly app: INestApplicationContext;
  readonly config: AppConfig;
  readonly db: TestDatabase;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startIndexingStack(
  env: Record<string, string> = {},
  options: IndexingStackOptions = {},
  existing?: { db: TestDatabase; dataDir: string },
): Promise<IndexingStack> {
  const { modules = [], migrations = [], ...indexing } = options;
  const db = existing?.db ?? (await createTestDatabase('indexing'));
  const dataDir = existing?.dataDir ?? mkdtempSync(join(tmpdir(), 'vitrine-indexing-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    MODEL_DIR: DEMO_MODEL_DIR,
    LOG_LEVEL: 'warn',
    INDEXER_CONCURRENCY: '8',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      CatalogModule.forRoot({ migrations }),
      EmbeddingModule.forRoot(),
      VectorsModule.forRoot(),
      IndexingModule.forRoot(indexing),
      ...modules,
    ],
  })
    .setLogger(quietLogger)
    .compile();
  moduleRef.enableShutdownHooks();
  const app = await moduleRef.init();
  return {
    app,
    config,
    db,
    dataDir,
    close: async () => {
      await app.close();
    },
  };
}

export async function destroyStack(stack: IndexingStack): Promise<void> {
  await stack.close();
  await stack.db.drop();
  rmSync(stack.dataDir, { recursive: true, force: true });
}

const quietLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: (m: unknown) => console.error(m),
  debug: () => undefined,
  verbose: () => undefined,
};
