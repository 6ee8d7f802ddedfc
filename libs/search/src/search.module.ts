import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { ProductSearchRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, SafeFetcher, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { LinearReranker } from './rerank/linear-reranker';
import { RERANKER, type Reranker } from './rerank/reranker';
import { SearchService } from './search.service';

export interface SearchModuleOptions {
  /** Replaces the default {@link LinearReranker} (e.g. a cross-encoder or a remote reranking service). */
  readonly reranker?: Reranker;
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
        {
          provide: SearchService,
          inject: [
            APP_CONFIG,
            EMBEDDING_PROVIDER,
            VECTOR_STORE,
            ProductSearchRepository,
            SafeFetcher,
            RERANKER,
          ],
          useFactory: (
            c: AppConfig,
            embedder: EmbeddingProvider,
            store: VectorStore,
            catalog: ProductSearchRepository,
            fetcher: SafeFetcher,
            reranker: Reranker,
          ) => new SearchService({ embedder, store, catalog, fetcher, reranker }, c.search),
        },
      ],
      exports: [SearchService, RERANKER],
    };
  }
}
