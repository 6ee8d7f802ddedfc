import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, ImageSource, type EmbeddingProvider } from '@vitrine/embedding';
import { ATTRIBUTE_EXTRACTION } from '@vitrine/indexing';
import { ColourNamer } from './colour/named-colours';
import { AttributeExtractor } from './extraction/attribute-extractor';
import { ImageAnalyser } from './image/image-analyser';
import { AttributeRepository } from './storage/attribute.repository';
import { Calibration } from './zero-shot/calibration';
import { PromptBank } from './zero-shot/prompt-bank';
import { loadVocabularies, type Vocabularies } from './zero-shot/vocabularies';
import { VocabularyProvider } from './zero-shot/vocabulary-provider';
import { ZeroShotClassifier } from './zero-shot/zero-shot-classifier';

/** Where a model's fitted scales are looked for when ATTRIBUTE_CALIBRATION_FILE is not set. */
export const MODEL_CALIBRATION_FILE = 'vitrine-calibration.json';

/** ATTRIBUTE_CALIBRATION_FILE, else the model directory's {@link MODEL_CALIBRATION_FILE} when there is one. */
function calibrationFile(config: AppConfig): string | undefined {
  if (config.insights.calibrationFile) return config.insights.calibrationFile;
  const beside = join(config.embedding.modelDir, MODEL_CALIBRATION_FILE);
  return existsSync(beside) ? beside : undefined;
}

/** What an evaluation pins instead of the configured files and the catalog. */
export interface AttributeEvaluationOptions {
  /** The vocabularies in force, category labels included (no catalog is read). */
  readonly vocabularies: Vocabularies;
  /** The logit scales; default: the calibration file the configuration names, as in the service. */
  readonly calibration?: Calibration;
}

/** The model-only parts, shared by both forms of the module. */
function modelProviders(calibration: Calibration | undefined): Provider[] {
  return [
    { provide: ColourNamer, useFactory: () => new ColourNamer() },
    {
      provide: ImageAnalyser,
      inject: [ColourNamer, APP_CONFIG],
      useFactory: (colours: ColourNamer, config: AppConfig) =>
        new ImageAnalyser(colours, { maxPixels: config.images.maxPixels, maxBytes: config.images.maxBytes }),
    },
    {
      provide: PromptBank,
      inject: [EMBEDDING_PROVIDER],
      useFactory: (embedder: EmbeddingProvider) => new PromptBank(embedder),
    },
    {
      provide: Calibration,
      inject: [APP_CONFIG, EMBEDDING_PROVIDER],
      useFactory: (config: AppConfig, embedder: EmbeddingProvider) =>
        calibration ?? Calibration.load(embedder.modelId, calibrationFile(config)),
    },
    {
      provide: ZeroShotClassifier,
      inject: [PromptBank, Calibration],
      useFactory: (prompts: PromptBank, scales: Calibration) => new ZeroShotClassifier(prompts, scales),
    },
  ];
}

const MODEL_EXPORTS = [
  ColourNamer,
  ImageAnalyser,
  VocabularyProvider,
  PromptBank,
  Calibration,
  ZeroShotClassifier,
];

/**
 * Attributes read from product pictures, for a Nest application (global). Needs `ConfigModule` and
 * `EmbeddingModule`; {@link forRoot} also `CatalogModule` (with {@link ATTRIBUTE_MIGRATIONS} among its migrations).
 */
@Module({})
export class AttributesModule {
  /**
   * The service: the vocabularies of `ATTRIBUTE_VOCABULARY_FILE` with the catalog's categories, the calibration of
   * `ATTRIBUTE_CALIBRATION_FILE` (or the model's), {@link AttributeRepository}, {@link AttributeExtractor}, and the
   * indexer's `ATTRIBUTE_EXTRACTION` port, so that an application importing `IndexingModule` too extracts
   * attributes after embedding.
   */
  static forRoot(): DynamicModule {
    return {
      module: AttributesModule,
      global: true,
      providers: [
        ...modelProviders(undefined),
        {
          provide: VocabularyProvider,
          inject: [APP_CONFIG, ProductRepository],
          useFactory: (config: AppConfig, products: ProductRepository) =>
            new VocabularyProvider(loadVocabularies(config.insights.vocabularyFile), () =>
              products.distinctCategories(),
            ),
        },
        {
          provide: AttributeRepository,
          inject: [CATALOG_DATABASE, ProductRepository],
          useFactory: (db: CatalogDatabase, products: ProductRepository) =>
            new AttributeRepository(db, products),
        },
        {
          provide: AttributeExtractor,
          inject: [
            ProductRepository,
            AttributeRepository,
            ImageSource,
            EMBEDDING_PROVIDER,
            ImageAnalyser,
            ZeroShotClassifier,
            VocabularyProvider,
          ],
          useFactory: (
            products: ProductRepository,
            store: AttributeRepository,
            images: ImageSource,
            embedder: EmbeddingProvider,
            analyser: ImageAnalyser,
            classifier: ZeroShotClassifier,
            vocabularies: VocabularyProvider,
          ) =>
            new AttributeExtractor(products, store, images, embedder, analyser, classifier, () =>
              vocabularies.get(),
            ),
        },
        { provide: ATTRIBUTE_EXTRACTION, useExisting: AttributeExtractor },
      ],
      exports: [...MODEL_EXPORTS, AttributeRepository, AttributeExtractor, ATTRIBUTE_EXTRACTION],
    };
  }

  /** The model-only parts with pinned vocabularies (and calibration): no catalog, no storage, no extractor. */
  static forEvaluation(options: AttributeEvaluationOptions): DynamicModule {
    const { vocabularies } = options;
    return {
      module: AttributesModule,
      global: true,
      providers: [
        ...modelProviders(options.calibration),
        {
          provide: VocabularyProvider,
          useFactory: () =>
            new VocabularyProvider(vocabularies, () => Promise.resolve(vocabularies.category.labels)),
        },
      ],
      exports: MODEL_EXPORTS,
    };
  }
}
