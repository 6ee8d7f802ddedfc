import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import {
  CATALOG_DATABASE,
  CatalogVocabularyRepository,
  ProductSearchRepository,
  type CatalogDatabase,
} from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, SafeFetcher, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { LinearReranker } from './rerank/linear-reranker';
import { RERANKER, type Reranker } from './rerank/reranker';
import { SearchService } from './search.service';
import { searchTuning } from './relevance/relevance-threshold';
import { FACET_ATTRIBUTE_SOURCE, type FacetAttributeSource } from './facets/facets';
import { QUERY_UNDERSTANDING, type QueryUnderstanding } from './query/query-understanding';
import { CatalogQueryUnderstanding } from './lexicon/catalog-query-understanding';
import { LexiconService } from './lexicon/lexicon.service';
import { SynonymRepository } from './synonyms/synonym.repository';
import { SynonymService } from './synonyms/synonym.service';

export interface SearchModuleOptions {
  /** Replaces the default {@link LinearReranker} (e.g. a cross-encoder or a remote reranking service). */
  readonly reranker?: Reranker;
  /**
   * The query understanding text search uses (spelling, synonyms, highlights), as a provider class resolved in
   * this module's context (its own dependencies must be injectable there, e.g. from a global module). Default
   * {@link CatalogQueryUnderstanding}: spelling correction from the catalog's words and the admin's synonym sets
   * (`LiteralQueryUnderstanding` runs the query as typed).
   */
  readonly queryUnderstanding?: Type<QueryUnderstanding>;
  /**
   * Attribute values known besides the catalog's (e.g. read from pictures) for attribute facets, as a provider
   * class resolved in this module's context. Default: none (facets count the catalog's attributes).
   */
  readonly facetAttributes?: Type<FacetAttributeSource>;
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
 * Query understanding from the catalog's words and the synonym sets, whose table needs `SEARCH_MIGRATIONS` among
 * the catalog's migrations. Also behind `GET /v1/suggest` and the admin synonym routes.
 */
const QUERY_UNDERSTANDING_PROVIDERS = [
  {
    provide: CatalogVocabularyRepository,
    inject: [CATALOG_DATABASE],
    useFactory: (db: CatalogDatabase) => new CatalogVocabularyRepository(db),
  },
  {
    provide: SynonymService,
    inject: [CATALOG_DATABASE],
    useFactory: (db: CatalogDatabase) => new SynonymService(new SynonymRepository(db)),
  },
  {
    provide: LexiconService,
    inject: [CatalogVocabularyRepository, SynonymService],
    useFactory: (catalog: CatalogVocabularyRepository, synonyms: SynonymService) =>
      new LexiconService(catalog, synonyms),
  },
  {
    provide: CatalogQueryUnderstanding,
    inject: [LexiconService],
    useFactory: (lexicons: LexiconService) => new CatalogQueryUnderstanding(lexicons),
  },
];

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
        ...QUERY_UNDERSTANDING_PROVIDERS,
        options.queryUnderstanding
          ? { provide: QUERY_UNDERSTANDING, useClass: options.queryUnderstanding }
          : { provide: QUERY_UNDERSTANDING, useExisting: CatalogQueryUnderstanding },
        ...(options.facetAttributes
          ? [{ provide: FACET_ATTRIBUTE_SOURCE, useClass: options.facetAttributes }]
          : []),
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
            { token: FACET_ATTRIBUTE_SOURCE, optional: true },
          ],
          useFactory: (
            c: AppConfig,
            embedder: EmbeddingProvider,
            store: VectorStore,
            catalog: ProductSearchRepository,
            fetcher: SafeFetcher,
            reranker: Reranker,
            queryUnderstanding: QueryUnderstanding,
            facetAttributes: FacetAttributeSource | undefined,
          ) =>
            new SearchService(
              {
                embedder,
                store,
                catalog,
                fetcher,
                reranker,
                queryUnderstanding,
                ...(facetAttributes ? { facetAttributes } : {}),
              },
              c.search,
              searchTuning(c, embedder.modelId),
            ),
        },
      ],
      exports: [SearchService, RERANKER, QUERY_UNDERSTANDING, CatalogQueryUnderstanding, SynonymService],
    };
  }
}
