import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchEvent } from '@vitrine/embedding';

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one), so several apps in
 * one process — tests — never clash. Created before the Nest modules because the embedding module takes the
 * batch hook at construction.
 */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'vitrine_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly embeddingBatchSize = new Histogram({
    name: 'vitrine_embedding_batch_size',
    help: 'Items per model run (coalesced: concurrent API requests; bulk: indexing)',
    labelNames: ['kind', 'source'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly embeddingInference = new Histogram({
    name: 'vitrine_embedding_inference_seconds',
    help: 'Model run time per batch',
    labelNames: ['kind', 'source'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'vitrine_indexing_queue_jobs',
    help: 'Indexing jobs by state (sampled at scrape time)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly indexProducts = new Gauge({
    name: 'vitrine_index_products',
    help:
      'Catalog products by index state for the model in service (sampled at scrape time); failed ones are listed ' +
      'with their reasons by GET /v1/admin/index/failures',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: 'vitrine_index_outbox_pending',
    help: 'Catalog changes whose index work is not yet in the queue (sampled at scrape time)',
    registers: [this.registry],
  });

  readonly outboxOldestAge = new Gauge({
    name: 'vitrine_index_outbox_oldest_age_seconds',
    help: 'How long the oldest outbox row has waited for the queue (0 when empty)',
    registers: [this.registry],
  });

  readonly vectorStoreDamage = new Gauge({
    name: 'vitrine_vector_store_damaged_files',
    help: 'Embedded vector store files found damaged (and repaired) since the store opened, by file kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly vectorStoreDiscarded = new Gauge({
    name: 'vitrine_vector_store_discarded_bytes',
    help: 'Bytes of damaged embedded vector store files dropped since the store opened (copies kept as .corrupt-*)',
    registers: [this.registry],
  });

  readonly embeddedDatabase = new Gauge({
    name: 'vitrine_embedded_database_events',
    help: 'Embedded PGlite crashes seen and restarts that repaired them since the process started (0 with PostgreSQL)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly queryCache = new Gauge({
    name: 'vitrine_query_embedding_cache',
    help: 'Query-embedding cache hits, misses (cumulative) and size',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly searchStage = new Histogram({
    name: 'vitrine_search_stage_seconds',
    help: 'Time per search stage (embed, retrieve, rerank, cards)',
    labelNames: ['kind', 'stage'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'vitrine_http_errors_total',
    help: 'Error responses by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vitrine_' });
  }

  /** The `onBatch` hook of the embedding provider. */
  readonly onEmbeddingBatch = (e: BatchEvent): void => {
    this.embeddingBatchSize.observe({ kind: e.kind, source: e.source }, e.size);
    this.embeddingInference.observe({ kind: e.kind, source: e.source }, e.inferenceMs / 1000);
  };
}
