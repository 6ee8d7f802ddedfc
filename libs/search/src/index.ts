export * from './search.types';
export {
  SearchService,
  MAX_DEPTH,
  type ImageFetcher,
  type SearchDependencies,
  type SearchTimings,
  type SearchTuning,
} from './search.service';
export { SearchModule } from './search.module';
export type { SearchModuleOptions } from './search.module';
export { validateFilters, toVectorFilter } from './filters/search-filters';
export { fuseRrf, type FusedCandidate, type RankedList } from './fusion/rrf';
export {
  RERANKER,
  type Reranker,
  type RerankCandidate,
  type RerankQuery,
  type RerankedCandidate,
} from './rerank/reranker';
export { LinearReranker, type LinearRerankerSettings } from './rerank/linear-reranker';
export { mmrOrder, type MmrItem } from './rerank/mmr';
export { QueryEmbeddingCache } from './query/query-embedding-cache';
export {
  QUERY_UNDERSTANDING,
  LiteralQueryUnderstanding,
  type QueryRewrite,
  type QueryUnderstanding,
  type TextRange,
} from './query/query-understanding';
export { nonsenseQueries } from './relevance/nonsense-queries';
export {
  SEARCH_CALIBRATION_FILE,
  loadMinSimilarity,
  searchTuning,
  type MinSimilarity,
} from './relevance/relevance-threshold';
export { CatalogQueryUnderstanding } from './lexicon/catalog-query-understanding';
export type { Suggestion, SuggestionType } from './lexicon/prefix-index';
export { SynonymService, SYNONYM_LIMITS, normalizeTerms } from './synonyms/synonym.service';
export type { SynonymSet } from './synonyms/synonym.repository';
export { SEARCH_MIGRATIONS } from './synonyms/migrations/1765200000000-search-synonyms';
export { FACET_ATTRIBUTE_SOURCE, canonicalAttribute, type FacetAttributeSource } from './facets/facets';
export { SynonymRepository } from './synonyms/synonym.repository';
