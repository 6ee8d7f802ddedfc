export * from './vector-store';
export {
  compileFilter,
  type VectorFilter,
  type NumericRange,
  type InSet,
  type ValueCondition,
} from './filter';
export { LIMITS } from './validation';
export { normalizeId } from './ids';
export * from './collection-naming';
export * from './live-index';
export * from './iterate';
export { EmbeddedVectorStore, type EmbeddedOptions } from './embedded/embedded-store';
export { DEFAULT_TUNING, type SearchTuning } from './embedded/index/vector-column';
export type { CompactionPolicy } from './embedded/storage/collection-files';
export { QdrantVectorStore, type QdrantOptions } from './qdrant/qdrant-store';
export * from './vectors.module';
export { Prng } from './prng';
