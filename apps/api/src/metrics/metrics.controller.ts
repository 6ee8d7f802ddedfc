import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { CATALOG_DATABASE, IndexStateRepository, type CatalogDatabase } from '@vitrine/catalog';
import { IndexingScheduler, JOB_QUEUE, OutboxRelay, type JobQueue } from '@vitrine/indexing';
import { SearchService } from '@vitrine/search';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { ApiMetrics } from './api-metrics';

/** Prometheus scrape endpoint. */
@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly search: SearchService,
    private readonly relay: OutboxRelay,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(CATALOG_DATABASE) private readonly db: CatalogDatabase,
    private readonly states: IndexStateRepository,
    private readonly scheduler: IndexingScheduler,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    // Sampled here rather than on every change: a scrape every few seconds is all a gauge needs.
    try {
      const counts = await this.queue.counts();
      for (const [state, n] of Object.entries(counts)) this.metrics.queueJobs.set({ state }, n);
    } catch {
      // Queue backend down: /readyz reports it; the other metrics are still worth serving.
    }
    try {
      // Products, not jobs: a one-product job that failed is not kept in the queue, its product's state is.
      const products = await this.states.counts(this.scheduler.modelId);
      // `stale` is a part of `indexed`, left out so that the states add up to the catalog.
      for (const state of ['missing', 'pending', 'indexed', 'failed'] as const)
        this.metrics.indexProducts.set({ state }, products[state]);
    } catch {
      // Database down: /readyz reports it.
    }
    try {
      const outbox = await this.relay.status();
      this.metrics.outboxPending.set(outbox.pending);
      this.metrics.outboxOldestAge.set(outbox.oldestAgeSeconds ?? 0);
    } catch {
      // Database down: /readyz reports it.
    }
    const damage = this.store.damage?.() ?? [];
    for (const kind of ['wal', 'segment', 'catalog'] as const)
      this.metrics.vectorStoreDamage.set({ kind }, damage.filter((d) => d.kind === kind).length);
    this.metrics.vectorStoreDiscarded.set(damage.reduce((n, d) => n + d.bytesDiscarded, 0));
    const embedded = this.db.embedded?.stats();
    this.metrics.embeddedDatabase.set({ event: 'crashes' }, embedded?.crashes ?? 0);
    this.metrics.embeddedDatabase.set({ event: 'restarts' }, embedded?.restarts ?? 0);
    const cache = this.search.cacheStats();
    this.metrics.queryCache.set({ kind: 'hits' }, cache.hits);
    this.metrics.queryCache.set({ kind: 'misses' }, cache.misses);
    this.metrics.queryCache.set({ kind: 'size' }, cache.size);
    return this.metrics.registry.metrics();
  }
}
