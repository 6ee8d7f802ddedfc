import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '@vitrine/core';
import { CatalogImportService } from '@vitrine/catalog';
import { IndexingScheduler, JOB_QUEUE } from '@vitrine/indexing';
import { SearchModule } from '@vitrine/search';
import { DEMO_CATALOG, destroyStack, startIndexingStack } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';

export { DEMO_DIR } from '../support/indexing-app';

/** The search stack (no HTTP) on a fresh PostgreSQL database with the demo catalog imported and indexed. */
export interface DemoSearchStack {
  readonly app: INestApplicationContext;
  readonly config: AppConfig;
  close(): Promise<void>;
}

/** For benchmarks and tests that exercise `SearchService` without HTTP. */
export async function startDemoSearchStack(env: Record<string, string> = {}): Promise<DemoSearchStack> {
  const stack = await startIndexingStack(env, { role: 'worker', modules: [SearchModule.forRoot()] });
  try {
    const scheduler = stack.app.get(IndexingScheduler);
    await stack.app.get(CatalogImportService).importFile(DEMO_CATALOG, {
      onBatch: async (batch) => void (await scheduler.productsChanged(batch.changed)),
    });
    await waitForIdle(stack.app.get(JOB_QUEUE), 300_000);
  } catch (e) {
    await destroyStack(stack);
    throw e;
  }
  return { app: stack.app, config: stack.config, close: () => destroyStack(stack) };
}
