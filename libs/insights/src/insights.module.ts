import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { ATTRIBUTE_EXTRACTION } from '@vitrine/indexing';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { AttributeExtractor } from './attributes/attribute-extractor';
import { DescriptionService } from './descriptions/description.service';
import { createInsights, type Insights } from './insights';
import { VqaService } from './vqa/vqa.service';

/** Injection token of the whole {@link Insights} bundle. */
export const INSIGHTS = Symbol('INSIGHTS');

/**
 * Product insights for a Nest application (global): {@link VqaService}, {@link DescriptionService},
 * {@link AttributeExtractor}, and the indexer's `ATTRIBUTE_EXTRACTION` port, so that an application importing both
 * this and `IndexingModule` extracts attributes after embedding. Needs `ConfigModule`, `CatalogModule` and
 * `EmbeddingModule`; with `VectorsModule` too, categories of pictures come from the most similar catalog products.
 */
@Module({})
export class InsightsModule implements OnApplicationShutdown {
  constructor(@Inject(INSIGHTS) private readonly insights: Insights) {}

  static forRoot(): DynamicModule {
    return {
      module: InsightsModule,
      global: true,
      providers: [
        {
          provide: INSIGHTS,
          inject: [
            APP_CONFIG,
            CATALOG_DATABASE,
            ProductRepository,
            EMBEDDING_PROVIDER,
            { token: VECTOR_STORE, optional: true },
          ],
          useFactory: (
            c: AppConfig,
            db: CatalogDatabase,
            products: ProductRepository,
            embedder: EmbeddingProvider,
            store: VectorStore | undefined,
          ) => createInsights(c, { db, products, embedder, ...(store ? { store } : {}) }),
        },
        { provide: VqaService, inject: [INSIGHTS], useFactory: (i: Insights) => i.vqa },
        { provide: DescriptionService, inject: [INSIGHTS], useFactory: (i: Insights) => i.descriptions },
        { provide: AttributeExtractor, inject: [INSIGHTS], useFactory: (i: Insights) => i.attributes },
        { provide: ATTRIBUTE_EXTRACTION, inject: [INSIGHTS], useFactory: (i: Insights) => i.attributes },
      ],
      exports: [INSIGHTS, VqaService, DescriptionService, AttributeExtractor, ATTRIBUTE_EXTRACTION],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.insights.close();
  }
}
