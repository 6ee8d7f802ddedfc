import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import {
  EMBEDDING_PROVIDER,
  SafeFetcher,
  safeFetcherFromConfig,
  type EmbeddingProvider,
} from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { SearchCatalogRepository } from './catalog/search-catalog.repository';
import { LinearReranker } from './rerank/linear-reranker';
import { RERANKER, type Reranker } from './rerank/reranker';
import { SearchService } from './search.service';

export interface SearchModuleOptions {
  /** Replaces the default {@link LinearReranker} (e.g. a cross-encoder or a remote reranking service). */
  readonly reranker?: Reranker;
}

/** Builds the search components from config and the catalog, embedding and vector modules (outside Nest too). */
export function createSearchService(
  config: AppConfig,
  deps: { db: CatalogDatabase; embedder: EmbeddingProvider; store: VectorStore; reranker?: Reranker },
): { service: SearchService; fetcher: SafeFetcher } {
  const fetcher = safeFetcherFromConfig(config);
  const service = new SearchService(
    {
      embedder: deps.embedder,
      store: deps.store,
      catalog: new SearchCatalogRepository(deps.db),
      fetcher,
      reranker: deps.reranker ?? defaultReranker(config),
    },
    config.search,
  );
  return { service, fetcher };
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
 * Provides {@link SearchService} (global). Needs `ConfigModule`, `CatalogModule`, `EmbeddingModule` and
 * `VectorsModule` in the application.
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
          provide: SearchCatalogRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new SearchCatalogRepository(db),
        },
        {
          provide: SearchService,
          inject: [
            APP_CONFIG,
            EMBEDDING_PROVIDER,
            VECTOR_STORE,
            SearchCatalogRepository,
            SafeFetcher,
            RERANKER,
          ],
          useFactory: (
            c: AppConfig,
            embedder: EmbeddingProvider,
            store: VectorStore,
            catalog: SearchCatalogRepository,
            fetcher: SafeFetcher,
            reranker: Reranker,
          ) => new SearchService({ embedder, store, catalog, fetcher, reranker }, c.search),
        },
      ],
      exports: [SearchService, RERANKER],
    };
  }
}
