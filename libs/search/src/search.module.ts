import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { ProductSearchRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, SafeFetcher, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { LinearReranker } from './rerank/linear-reranker';
import { RERANKER, type Reranker } from './rerank/reranker';
import { SearchService } from './search.service';
import {
  LiteralQueryUnderstanding,
  QUERY_UNDERSTANDING,
  type QueryUnderstanding,
} from './query/query-understanding';

export interface SearchModuleOptions {
  /** Replaces the default {@link LinearReranker} (e.g. a cross-encoder or a remote reranking service). */
  readonly reranker?: Reranker;
  /**
   * The query understanding text search uses (spelling, synonyms, highlights), as a provider class resolved in
   * this module's context (its own dependencies must be injectable there, e.g. from a global module). Default
   * {@link LiteralQueryUnderstanding}: the query as typed.
   */
  readonly queryUnderstanding?: Type<QueryUnderstanding>;
}

/** The default second stage from `AppConfig.search`. */
export function defaultReranker(config: AppConfig): Reranker {
  const s = config.search;
  return new LinearReranker({
    weights: s.weights,
    boostInStock: s.boostInStock,
    boostPopularity: s.boostPopularity,
    mmrLambda: s.mmrLambda,
  });
}

/**
 * Provides {@link SearchService} (global), configured from `AppConfig.search`. Needs `ConfigModule`,
 * `CatalogModule` (its `ProductSearchRepository`), `EmbeddingModule` and `VectorsModule` in the application.
 * Search settings are configuration: a benchmark that compares settings builds one context per configuration.
 */
@Module({})
export class SearchModule {
  static forRoot(options: SearchModuleOptions = {}): DynamicModule {
    return {
      module: SearchModule,
      global: true,
      providers: [
        {
          provide: RERANKER,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => options.reranker ?? defaultReranker(c),
        },
        { provide: QUERY_UNDERSTANDING, useClass: options.queryUnderstanding ?? LiteralQueryUnderstanding },
        {
          provide: SearchService,
          inject: [
            APP_CONFIG,
            EMBEDDING_PROVIDER,
            VECTOR_STORE,
            ProductSearchRepository,
            SafeFetcher,
            RERANKER,
            QUERY_UNDERSTANDING,
          ],
          useFactory: (
            c: AppConfig,
            embedder: EmbeddingProvider,
            store: VectorStore,
            catalog: ProductSearchRepository,
            fetcher: SafeFetcher,
            reranker: Reranker,
            queryUnderstanding: QueryUnderstanding,
          ) =>
            new SearchService({ embedder, store, catalog, fetcher, reranker, queryUnderstanding }, c.search),
        },
      ],
      exports: [SearchService, RERANKER, QUERY_UNDERSTANDING],
    };
  }
}
