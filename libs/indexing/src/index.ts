export * from './queue/job-definitions';
export * from './queue/job-queue';
export {
  BullmqJobQueue,
  assertHandlers,
  type BullmqQueueOptions,
  type BullmqWorkerOptions,
} from './queue/bullmq-job-queue';
export { InProcessJobQueue } from './queue/in-process-job-queue';
export { isRetryable, UnrecoverableJobError } from './queue/job-errors';
export { LiveCollections } from './services/collections';
export { IndexingService, ProductIndexFailed, type IndexOutcome } from './services/indexing.service';
export {
  ReindexService,
  type ReindexBatchResult,
  type ReindexProgress,
  type ReindexSummary,
} from './services/reindex.service';
export { IndexingScheduler } from './services/indexing.scheduler';
export { StoreReconciler, type ReconcileResult, type StoreAudit } from './services/store-reconciler';
export { OutboxRelay, type OutboxRelayOptions, type RelayStatus } from './services/outbox-relay';
export { indexingHandlers } from './services/indexing.handlers';
export {
  ATTRIBUTE_EXTRACTION,
  type AttributeExtractionPort,
  type IndexedPicture,
} from './services/attribute-extraction.port';
export { ProductVectorizer, productPayload, productText } from './services/product-vectors';
export { IndexingModule, INDEXING_REDIS, indexingRole, type IndexingModuleOptions } from './indexing.module';
export { coalesce } from './services/coalesce';
