import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { JOB_QUEUE, OutboxRelay, type JobQueue } from '@vitrine/indexing';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { SearchService } from '@vitrine/search';
import { LiveIndex, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { StorageHealth } from './storage-health';

/** A check that hangs counts as down: readiness probes have short timeouts of their own. */
const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One terminus indicator per dependency the API cannot serve without. */
@Injectable()
export class ReadinessIndicators {
  private readonly liveIndex: LiveIndex;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CATALOG_DATABASE) private readonly db: CatalogDatabase,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(EMBEDDING_PROVIDER) private readonly embedder: EmbeddingProvider,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storageHealth: StorageHealth,
    private readonly search: SearchService,
    private readonly relay: OutboxRelay,
  ) {
    this.liveIndex = new LiveIndex(store, embedder.modelId);
  }

  private async probe(
    key: string,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<HealthIndicatorResult> {
    const check = this.health.check(key);
    try {
      return check.up(await withTimeout(work()));
    } catch (e) {
      return check.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }

  database(): Promise<HealthIndicatorResult> {
    return this.probe('database', async () => {
      // Search's own statements on the catalog tables: `SELECT 1` stayed up while every search failed.
      await this.search.probeCatalog();
      // Embedded: whether PGlite crashed and was restarted since boot (a repaired crash is ready, but worth seeing).
      // The cause (a stack) stays in the logs.
      const { crashes, restarts } = this.db.embedded?.stats() ?? {};
      return this.db.embedded
        ? { kind: this.db.kind, state: this.db.embedded.state(), crashes, restarts }
        : { kind: this.db.kind };
    });
  }

  redis(): Promise<HealthIndicatorResult> {
    return this.probe('redis', async () => {
      if (this.config.queue.kind !== 'redis') return { kind: 'in-process queue (no REDIS_URL)' };
      // Reading the queue's counts is a round trip to Redis through the connection the queue really uses.
      try {
        const counts = await this.queue.counts();
        return { kind: 'redis', reachable: true, waiting: counts.waiting, active: counts.active };
      } catch (e) {
        // Not a reason to take this API out of rotation: searches do not use Redis, and catalog writes keep their
        // index work in the outbox until the queue is back (see indexOutbox).
        return { kind: 'redis', reachable: false, message: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  /** Index work written to the catalog but not yet handed to the queue (grows while Redis is down). */
  outbox(): Promise<HealthIndicatorResult> {
    return this.probe('indexOutbox', async () => ({ ...(await this.relay.status()) }));
  }

  vectors(): Promise<HealthIndicatorResult> {
    return this.probe('vectorStore', async () => {
      await this.store.ping();
      // The one live-index check (MODEL_MISMATCH while the alias serves another model), uncached: a probe must see
      // the alias as it is now.
      await this.liveIndex.require();
      // A read of the live collection as searches do it (alias, model, nearest neighbour), not just a ping.
      return { ...(await this.search.probeVectors()) };
    });
  }

  /**
   * The data directories in use take a flushed write, and no request met a full or read-only disk in the last
   * minute (details: what was checked, or which store cannot write and why).
   */
  storage(): Promise<HealthIndicatorResult> {
    return this.probe('storage', () => this.storageHealth.check());
  }

  model(): Promise<HealthIndicatorResult> {
    return this.probe('model', () => {
      // The provider is created by loading and validating the model at boot; a closed one refuses work.
      const s = this.embedder.stats();
      return Promise.resolve({ modelId: this.embedder.modelId, dim: this.embedder.dim, pending: s.pending });
    });
  }
}
