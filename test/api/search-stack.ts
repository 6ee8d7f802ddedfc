import { rmSync } from 'node:fs';
import type { AppConfig } from '@vitrine/core';
import { CatalogImportService } from '@vitrine/catalog';
import { IndexingScheduler, JOB_QUEUE } from '@vitrine/indexing';
import { DEMO_CATALOG, destroyStack, startIndexingStack } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';

export { DEMO_DIR } from '../support/indexing-app';

/**
 * The demo catalog imported and indexed into a fresh PostgreSQL database and an embedded store, with the indexing
 * application closed: `config` names the database and data folder, for contexts that search them (the store's
 * folder lock allows one at a time). `drop()` removes both.
 */
export interface DemoIndex {
  readonly config: AppConfig;
  drop(): Promise<void>;
}

/** For benchmarks that run `SearchService` under several configurations over the same index. */
export async function indexDemoCatalog(env: Record<string, string> = {}): Promise<DemoIndex> {
  const stack = await startIndexingStack(env, { role: 'worker' });
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
  await stack.close();
  return {
    config: stack.config,
    drop: async () => {
      await stack.db.drop();
      rmSync(stack.dataDir, { recursive: true, force: true });
    },
  };
}
