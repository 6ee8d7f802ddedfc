import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { AttributeRepository, ColourNamer, VocabularyProvider } from '@vitrine/attributes';
import { CHAT_COMPLETIONS, ChatModule, type ChatCompletionsClient } from '@vitrine/chat';
import type { ContradictionVocabulary } from './contradictions';
import { DescriptionComposer, DescriptionService } from './description.service';
import { DescriptionDraftRepository } from './storage/description.repository';

export interface DescriptionEvaluationOptions {
  /** The materials and brands the contradiction check looks for (no catalog is read). */
  readonly vocabulary: ContradictionVocabulary;
}

function newComposer(
  config: AppConfig,
  remote: ChatCompletionsClient | null,
  vocabulary: () => Promise<ContradictionVocabulary>,
): DescriptionComposer {
  return new DescriptionComposer(
    vocabulary,
    { attributeMinConfidence: config.insights.attributeMinConfidence },
    remote ?? undefined,
  );
}

/**
 * Generated product descriptions for a Nest application. Needs `ConfigModule`; {@link forRoot} also
 * `CatalogModule` (with {@link DESCRIPTION_MIGRATIONS} among its migrations) and `AttributesModule`. Texts come
 * from the OpenAI-compatible endpoint when ANSWERER_URL is set, from templates otherwise.
 */
@Module({})
export class DescriptionsModule {
  /** {@link DescriptionService}: drafts from a product's facts, stored for review. */
  static forRoot(): DynamicModule {
    return {
      module: DescriptionsModule,
      imports: [ChatModule],
      providers: [
        {
          provide: DescriptionDraftRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new DescriptionDraftRepository(db),
        },
        {
          provide: DescriptionComposer,
          inject: [APP_CONFIG, CHAT_COMPLETIONS, ColourNamer, VocabularyProvider, ProductRepository],
          useFactory: (
            config: AppConfig,
            remote: ChatCompletionsClient | null,
            colours: ColourNamer,
            vocabularies: VocabularyProvider,
            products: ProductRepository,
          ) =>
            newComposer(config, remote, async () => {
              const [v, catalog] = await Promise.all([
                vocabularies.get(),
                products.distinctBrandsAndMaterials(),
              ]);
              return {
                colours,
                materials: [...v.material.labels, ...catalog.materials],
                brands: catalog.brands,
              };
            }),
        },
        {
          provide: DescriptionService,
          inject: [ProductRepository, AttributeRepository, DescriptionDraftRepository, DescriptionComposer],
          useFactory: (
            products: ProductRepository,
            attributes: AttributeRepository,
            drafts: DescriptionDraftRepository,
            composer: DescriptionComposer,
          ) => new DescriptionService({ products, attributes, drafts, composer }),
        },
      ],
      exports: [DescriptionService],
    };
  }

  /** The composer alone, with a pinned vocabulary (no catalog, no storage): the description evaluation. */
  static forEvaluation(options: DescriptionEvaluationOptions): DynamicModule {
    return {
      module: DescriptionsModule,
      imports: [ChatModule],
      providers: [
        {
          provide: DescriptionComposer,
          inject: [APP_CONFIG, CHAT_COMPLETIONS],
          useFactory: (config: AppConfig, remote: ChatCompletionsClient | null) =>
            newComposer(config, remote, () => Promise.resolve(options.vocabulary)),
        },
      ],
      exports: [DescriptionComposer],
    };
  }
}
