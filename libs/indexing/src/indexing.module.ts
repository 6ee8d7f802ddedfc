import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  Optional,
  type Provider,
} from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { IndexOutboxRepository, IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, ImageSource, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { BullmqJobQueue } from './queue/bullmq-job-queue';
import { InProcessJobQueue } from './queue/in-process-job-queue';
import { INDEXING_QUEUE } from './queue/job-definitions';
import { JOB_QUEUE, type JobQueue } from './queue/job-queue';
import { ATTRIBUTE_EXTRACTION, type AttributeExtractionPort } from './services/attribute-extraction.port';
import { LiveCollections } from './services/collections';
import { indexingHandlers } from './services/indexing.handlers';
import { IndexingScheduler } from './services/indexing.scheduler';
import { attributeFollowUp } from './services/attribute-follow-up';
import { IndexingService } from './services/indexing.service';
import { OutboxRelay } from './services/outbox-relay';
import { ProductVectorizer } from './services/product-vectors';
import { ReindexService } from './services/reindex.service';
import { StoreReconciler } from './services/store-reconciler';
import { withRedisLock } from './queue/boot-lock';

/** The Redis connection BullMQ uses (workers need `maxRetriesPerRequest: null`). */
export const INDEXING_REDIS = Symbol('INDEXING_REDIS');

export interface IndexingModuleOptions {
  /**
   * `producer`: only enqueue (the API with Redis configured). `worker`: also consume jobs (the indexer; and the
   * API in embedded mode, where the queue is in-process). Default: `worker` without Redis, `producer` with it.
   */
  readonly role?: 'producer' | 'worker';
  /** Start a full reindex at boot when the alias serves another model (default true for workers). */
  readonly reindexOnModelChange?: boolean;
  /**
   * At boot, reconcile the vector store with the catalog (see `StoreReconciler`): remove the vectors of products
   * no longer in the catalog, mark and queue every product with missing or stale vectors (default true for
   * every worker, in-process and BullMQ alike; with BullMQ one indexer at a time does it).
   */
  readonly syncAtBoot?: boolean;
  /**
   * Run the outbox relay in the background (default true): every API and indexer process moves index work from
   * the catalog's outbox to the queue. Commands that only read (or relay explicitly) pass false.
   */
  readonly relayOutbox?: boolean;
}

const OPTIONS = Symbol('INDEXING_OPTIONS');
/** How long the boot reconcile's lock outlives an indexer that died holding it. */
const BOOT_RECONCILE_LOCK_MS = 10 * 60_000;
/**
 * The producer's own Redis connection: no offline queue (a command fails at once while Redis is unreachable
 * instead of waiting for it), where the worker's connection must wait (BullMQ's blocking reads need that).
 */
const PRODUCER_REDIS = Symbol('INDEXING_PRODUCER_REDIS');

/** Runs the outbox relay in the background; stops it before the queue and the database close. */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    @Inject(OPTIONS) private readonly options: IndexingModuleOptions,
    @Inject(PRODUCER_REDIS) private readonly redis: Redis | undefined,
    private readonly relay: OutboxRelay,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.relayOutbox ?? true) this.relay.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}

/**
 * Runs the consumer side when this process is a worker: makes sure the `products` alias exists for the model,
 * starts consuming the queue (whichever adapter it is), and hands in-flight jobs back on shutdown.
 */
@Injectable()
class IndexingWorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Indexer');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OPTIONS) private readonly options: IndexingModuleOptions,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(INDEXING_REDIS) private readonly redis: Redis | undefined,
    private readonly collections: LiveCollections,
    private readonly indexing: IndexingService,
    private readonly reindex: ReindexService,
    private readonly scheduler: IndexingScheduler,
    private readonly reconciler: StoreReconciler,
    @Optional() @Inject(ATTRIBUTE_EXTRACTION) private readonly attributes?: AttributeExtractionPort,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (indexingRole(this.config, this.options) !== 'worker') return;
    const handlers = indexingHandlers(this.indexing, this.reindex, this.attributes);
    const state = await this.collections.ensure();
    await this.queue.consume(handlers);
    this.log.log(
      `indexing with model ${this.indexing.modelId} (${this.config.queue.kind}, concurrency ${this.config.indexer.concurrency})`,
    );
    // Collections of reindexes that crashed or failed cost disk and every product write until they are dropped.
    await this.reindex.dropAbandoned().catch((e: unknown) => {
      this.log.warn(`could not drop the collections of unfinished reindexes: ${String(e)}`);
    });
    if (state === 'model-changed' && (this.options.reindexOnModelChange ?? true)) {
      const id = await this.scheduler.startReindex();
      this.log.warn(`the products alias serves another model: started full reindex ${id}`);
    } else if (this.options.syncAtBoot ?? true) {
      await this.bootSync();
    }
  }

  /** The boot reconcile; with BullMQ, under a Redis lock so indexers starting together run it once. */
  private async bootSync(): Promise<void> {
    const run = () => this.reconciler.reconcile();
    if (!this.redis || this.config.queue.kind !== 'redis') {
      await run();
      return;
    }
    const key = `${this.config.queue.prefix}:${INDEXING_QUEUE}:boot-reconcile`;
    const done = await withRedisLock(this.redis, key, BOOT_RECONCILE_LOCK_MS, run);
    if (!done.ran) this.log.log('another indexer is reconciling the vector store with the catalog');
  }

  async onApplicationShutdown(): Promise<void> {
    // Finish the jobs in flight; BullMQ hands back the ones not started.
    await this.queue.close();
    this.redis?.disconnect();
  }
}

/** Whether a process with these options consumes indexing jobs (`worker`) or only enqueues them (`producer`). */
export function indexingRole(config: AppConfig, options: IndexingModuleOptions = {}): 'producer' | 'worker' {
  return options.role ?? (config.queue.kind === 'redis' ? 'producer' : 'worker');
}

/**
 * Indexing for a Nest application: the job queue (BullMQ when `REDIS_URL` is set, in-process otherwise), the
 * services, and the {@link IndexingScheduler} producers use. Needs `ConfigModule`, `CatalogModule`,
 * `EmbeddingModule` and `VectorsModule` in the application.
 */
@Module({})
export class IndexingModule {
  static forRoot(options: IndexingModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: OPTIONS, useValue: options },
      {
        provide: INDEXING_REDIS,
        inject: [APP_CONFIG, OPTIONS],
        // Only workers consume (producers use PRODUCER_REDIS): a connection nobody uses would only log outages.
        useFactory: (c: AppConfig, o: IndexingModuleOptions) =>
          c.queue.kind === 'redis' && indexingRole(c, o) === 'worker'
            ? new Redis(c.queue.url, { maxRetriesPerRequest: null })
            : undefined,
      },
      {
        provide: PRODUCER_REDIS,
        inject: [APP_CONFIG],
        useFactory: (c: AppConfig) =>
          c.queue.kind === 'redis'
            ? new Redis(c.queue.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
                // Connection trouble is reported by the calls that fail (and /readyz), not as unhandled events.
                .on('error', () => undefined)
            : undefined,
      },
      {
        provide: JOB_QUEUE,
        inject: [APP_CONFIG, PRODUCER_REDIS, INDEXING_REDIS],
        useFactory: (c: AppConfig, producer: Redis | undefined, worker: Redis | undefined): JobQueue =>
          c.queue.kind === 'redis' && producer
            ? new BullmqJobQueue({
                connection: producer,
                prefix: c.queue.prefix,
                timeoutMs: c.queue.timeoutMs,
                // Only a worker process has a consuming connection (see INDEXING_REDIS).
                ...(worker
                  ? {
                      worker: {
                        connection: worker,
                        concurrency: c.indexer.concurrency,
                        lockDurationMs: c.indexer.lockDurationMs,
                        stalledIntervalMs: c.indexer.lockDurationMs,
                      },
                    }
                  : {}),
              })
            : new InProcessJobQueue({ concurrency: c.indexer.concurrency }),
      },
      {
        provide: OutboxRelay,
        inject: [IndexOutboxRepository, JOB_QUEUE, EMBEDDING_PROVIDER, APP_CONFIG],
        useFactory: (outbox: IndexOutboxRepository, q: JobQueue, e: EmbeddingProvider, c: AppConfig) =>
          new OutboxRelay(outbox, q, e.modelId, { pollMs: c.indexer.outboxPollMs }),
      },
      OutboxRelayLifecycle,
      {
        provide: ProductVectorizer,
        inject: [EMBEDDING_PROVIDER, ImageSource],
        useFactory: (e: EmbeddingProvider, s: ImageSource) => new ProductVectorizer(e, s),
      },
      {
        provide: LiveCollections,
        inject: [VECTOR_STORE, EMBEDDING_PROVIDER],
        useFactory: (store: VectorStore, e: EmbeddingProvider) =>
          new LiveCollections(store, e.modelId, e.dim),
      },
      {
        provide: IndexingService,
        inject: [
          ProductRepository,
          IndexStateRepository,
          VECTOR_STORE,
          ProductVectorizer,
          LiveCollections,
          EMBEDDING_PROVIDER,
          APP_CONFIG,
          JOB_QUEUE,
          { token: ATTRIBUTE_EXTRACTION, optional: true },
        ],
        useFactory: (
          products: ProductRepository,
          states: IndexStateRepository,
          store: VectorStore,
          vectorizer: ProductVectorizer,
          collections: LiveCollections,
          e: EmbeddingProvider,
          c: AppConfig,
          queue: JobQueue,
          attributes: AttributeExtractionPort | undefined,
        ) =>
          new IndexingService(
            products,
            states,
            store,
            vectorizer,
            collections,
            e.modelId,
            attributes && c.insights.extractOnIndex
              ? attributeFollowUp(attributes, queue, e.modelId)
              : undefined,
          ),
      },
      {
        provide: ReindexService,
        inject: [
          ProductRepository,
          IndexStateRepository,
          VECTOR_STORE,
          IndexingService,
          LiveCollections,
          EMBEDDING_PROVIDER,
          APP_CONFIG,
          JOB_QUEUE,
        ],
        useFactory: (
          products: ProductRepository,
          states: IndexStateRepository,
          store: VectorStore,
          indexing: IndexingService,
          collections: LiveCollections,
          e: EmbeddingProvider,
          c: AppConfig,
          queue: JobQueue,
        ) =>
          new ReindexService(
            products,
            states,
            store,
            indexing,
            collections,
            e.modelId,
            e.dim,
            c.embedding.batchSize,
            queue,
            c.indexer.reindexMaxFailedRatio,
          ),
      },
      {
        provide: IndexingScheduler,
        inject: [JOB_QUEUE, IndexStateRepository, ReindexService, EMBEDDING_PROVIDER],
        useFactory: (q: JobQueue, states: IndexStateRepository, r: ReindexService, e: EmbeddingProvider) =>
          new IndexingScheduler(q, states, r, e.modelId),
      },
      {
        provide: StoreReconciler,
        inject: [
          ProductRepository,
          IndexStateRepository,
          VECTOR_STORE,
          LiveCollections,
          IndexingService,
          IndexingScheduler,
          EMBEDDING_PROVIDER,
        ],
        useFactory: (
          products: ProductRepository,
          states: IndexStateRepository,
          store: VectorStore,
          collections: LiveCollections,
          indexing: IndexingService,
          scheduler: IndexingScheduler,
          e: EmbeddingProvider,
        ) => new StoreReconciler(products, states, store, collections, indexing, scheduler, e.modelId),
      },
      IndexingWorkerLifecycle,
    ];
    return {
      module: IndexingModule,
      providers,
      exports: [JOB_QUEUE, IndexingScheduler, IndexingService, LiveCollections, OutboxRelay, StoreReconciler],
    };
  }
}
