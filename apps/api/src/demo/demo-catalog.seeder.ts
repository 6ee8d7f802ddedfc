import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import {
  CatalogImportService,
  IndexOutboxRepository,
  IndexStateRepository,
  ProductRepository,
  type CatalogChanges,
} from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { SynonymService } from '@vitrine/search';

/** Where `npm start` finds the demo catalog (paths are relative to the working directory, like MODEL_DIR). */
export const DEMO_CATALOG_FILE = 'data/demo-catalog/products.jsonl';
/** The demo catalog's synonym sets (a JSON array of term arrays), added with it when there are none yet. */
export const DEMO_SYNONYMS_FILE = 'data/demo-catalog/synonyms.json';
const PROGRESS_EVERY_MS = 2000;

/**
 * First-run experience: when the catalog is empty (and `SEED_DEMO_CATALOG` is `true`, or `auto` with the embedded
 * database), imports the demo catalog before the server listens and queues its indexing, then logs indexing
 * progress until every product is indexed. Search answers meanwhile, with whatever is indexed so far.
 */
@Injectable()
export class DemoCatalogSeeder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('DemoCatalog');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly products: ProductRepository,
    private readonly states: IndexStateRepository,
    private readonly importer: CatalogImportService,
    private readonly scheduler: IndexingScheduler,
    @Inject(IndexOutboxRepository) private readonly changes: CatalogChanges,
    private readonly synonyms: SynonymService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const mode = this.config.http.seedDemoCatalog;
    if (mode === 'false' || (mode === 'auto' && this.config.database.kind !== 'pglite')) return;
    if ((await this.products.count()) > 0) return;
    const file = resolve(DEMO_CATALOG_FILE);
    if (!existsSync(file)) {
      this.log.warn(`the catalog is empty and ${file} is missing: nothing to import`);
      return;
    }
    this.log.log(`the catalog is empty: importing the demo catalog from ${file}`);
    const started = Date.now();
    let imported = 0;
    const report = await this.importer.importFile(file, {
      // Each batch commits its indexing to the catalog's outbox, and the catalog announces it to the indexer.
      onBatch: (batch) => {
        imported += batch.created + batch.updated + batch.unchanged;
        this.log.log(`imported ${imported} products so far, their indexing queued`);
      },
    });
    await this.seedSynonyms();
    // Every announced change is handed to the queue before the server listens (unless the queue is down).
    await this.changes.settled();
    const { pending } = await this.changes.backlog();
    if (pending > 0)
      this.log.warn(`indexing of ${pending} products stays in the outbox until the queue is back`);
    this.log.log(
      `imported ${report.created} products (${report.rejected} rejected) in ${Date.now() - started} ms; indexing in the background`,
    );
    this.watchIndexing(Date.now());
  }

  /** The demo's synonym sets ("sneaker" finds the running shoe), unless the shop has sets of its own. */
  private async seedSynonyms(): Promise<void> {
    const file = resolve(DEMO_SYNONYMS_FILE);
    if (!existsSync(file) || (await this.synonyms.list()).length > 0) return;
    const sets = JSON.parse(readFileSync(file, 'utf8')) as string[][];
    for (const terms of sets) await this.synonyms.create(terms);
    this.log.log(`added the demo catalog's ${sets.length} synonym sets`);
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  private watchIndexing(started: number): void {
    const tick = async () => {
      try {
        const c = await this.states.counts(this.scheduler.modelId);
        const total = c.missing + c.pending + c.indexed + c.failed;
        const open = c.missing + c.pending;
        if (open === 0) {
          this.log.log(
            `indexed ${c.indexed}/${total} products (${c.failed} failed) in ${((Date.now() - started) / 1000).toFixed(1)} s: search is complete`,
          );
          return;
        }
        this.log.log(`indexing: ${c.indexed}/${total} products indexed, ${c.failed} failed`);
      } catch (e) {
        this.log.warn(`could not read indexing progress: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.timer = setTimeout(() => void tick(), PROGRESS_EVERY_MS);
    };
    this.timer = setTimeout(() => void tick(), PROGRESS_EVERY_MS);
  }
}
