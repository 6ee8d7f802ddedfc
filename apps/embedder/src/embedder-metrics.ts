import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GraphRunEvent } from '@vitrine/embedding';

/**
 * The embedding service's Prometheus metrics on a registry of its own (tests run several apps in one process).
 * Created before the Nest module because the graph server takes the run hook at load.
 */
export class EmbedderMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'vitrine_embedder_requests_total',
    help: 'Inference requests by model and outcome (ok, or the error code)',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'vitrine_embedder_request_duration_seconds',
    help: 'Inference request time from parsed body to reply (queue wait and model run)',
    labelNames: ['model', 'priority'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'vitrine_embedder_batch_rows',
    help: 'Rows (texts or pictures) per model run, from all clients together',
    labelNames: ['model', 'priority'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly batchRequests = new Histogram({
    name: 'vitrine_embedder_batch_requests',
    help: 'Requests whose rows shared one model run (above 1: the service batched across requests)',
    labelNames: ['model', 'priority'] as const,
    buckets: [1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });

  readonly inference = new Histogram({
    name: 'vitrine_embedder_inference_seconds',
    help: 'Model run time per batch',
    labelNames: ['model', 'priority'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly pendingRows = new Gauge({
    name: 'vitrine_embedder_pending_rows',
    help: 'Rows waiting for or in a model run (sampled at scrape time)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  readonly onRun = (e: GraphRunEvent): void => {
    const labels = { model: e.model, priority: e.priority };
    this.batchSize.observe(labels, e.size);
    this.batchRequests.observe(labels, e.requests);
    this.inference.observe(labels, e.inferenceMs / 1000);
  };
}
