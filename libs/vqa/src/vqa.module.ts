import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { ProductRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, ImageSource, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import {
  AttributeRepository,
  ColourNamer,
  ImageAnalyser,
  PromptBank,
  VocabularyProvider,
  ZeroShotClassifier,
} from '@vitrine/attributes';
import { CHAT_COMPLETIONS, ChatModule, type ChatCompletionsClient } from '@vitrine/chat';
import type { Answerer } from './answer';
import { EmbeddedAnswerer } from './embedded-answerer';
import { HeatmapRenderer } from './heatmap';
import { OpenAiCompatibleAnswerer } from './openai-answerer';
import { QuestionRouter } from './question-router';
import { VectorStoreNeighbours, type SimilarProductsIndex } from './similar-products';
import { VqaService } from './vqa.service';

/** The catalog products by picture the embedded answerer asks for category evidence; `null`: none. */
const SIMILAR_PRODUCTS = Symbol('SIMILAR_PRODUCTS');
/** The answerer on the OpenAI-compatible endpoint; `null` when none is configured. */
const REMOTE_ANSWERER = Symbol('REMOTE_ANSWERER');

export interface VqaEvaluationOptions {
  /** The index of similar products (e.g. `InMemoryNeighbours` over a catalog file's pictures); default none. */
  readonly neighbours?: (embedder: EmbeddingProvider) => Promise<SimilarProductsIndex>;
}

/** The answerers on the platform's models, shared by both forms of the module. */
const ANSWERERS: Provider[] = [
  {
    provide: HeatmapRenderer,
    inject: [EMBEDDING_PROVIDER, ImageAnalyser],
    useFactory: (embedder: EmbeddingProvider, analyser: ImageAnalyser) =>
      new HeatmapRenderer(embedder, analyser),
  },
  {
    provide: EmbeddedAnswerer,
    inject: [
      EMBEDDING_PROVIDER,
      ImageAnalyser,
      ZeroShotClassifier,
      PromptBank,
      HeatmapRenderer,
      VocabularyProvider,
      SIMILAR_PRODUCTS,
    ],
    useFactory: (
      embedder: EmbeddingProvider,
      analyser: ImageAnalyser,
      classifier: ZeroShotClassifier,
      prompts: PromptBank,
      heatmaps: HeatmapRenderer,
      vocabularies: VocabularyProvider,
      neighbours: SimilarProductsIndex | null,
    ) =>
      new EmbeddedAnswerer(
        embedder,
        analyser,
        classifier,
        prompts,
        heatmaps,
        () => vocabularies.get(),
        neighbours ?? undefined,
      ),
  },
  {
    provide: QuestionRouter,
    inject: [VocabularyProvider, ColourNamer],
    useFactory: (vocabularies: VocabularyProvider, colours: ColourNamer) =>
      new QuestionRouter(() => vocabularies.current(), colours),
  },
];

/**
 * Visual question answering for a Nest application. Needs `ConfigModule`, `EmbeddingModule` and `AttributesModule`;
 * {@link forRoot} also `CatalogModule`, and uses `VectorsModule` when the application has it.
 */
@Module({})
export class VqaModule {
  /**
   * {@link VqaService} over the catalog, the stored attributes and the product pictures; categories of pictures
   * come from the most similar catalog products when the application has a vector store, and free-form or unsure
   * questions go to the OpenAI-compatible endpoint when ANSWERER_URL is set.
   */
  static forRoot(): DynamicModule {
    return {
      module: VqaModule,
      imports: [ChatModule],
      providers: [
        ...ANSWERERS,
        {
          provide: SIMILAR_PRODUCTS,
          inject: [EMBEDDING_PROVIDER, { token: VECTOR_STORE, optional: true }],
          useFactory: (embedder: EmbeddingProvider, store: VectorStore | undefined) =>
            store ? new VectorStoreNeighbours(store, embedder.modelId) : null,
        },
        {
          provide: REMOTE_ANSWERER,
          inject: [CHAT_COMPLETIONS],
          useFactory: (client: ChatCompletionsClient | null) =>
            client ? new OpenAiCompatibleAnswerer(client) : null,
        },
        {
          provide: VqaService,
          inject: [
            APP_CONFIG,
            ProductRepository,
            AttributeRepository,
            ImageSource,
            ImageAnalyser,
            ColourNamer,
            QuestionRouter,
            VocabularyProvider,
            EmbeddedAnswerer,
            REMOTE_ANSWERER,
          ],
          useFactory: (
            config: AppConfig,
            products: ProductRepository,
            attributes: AttributeRepository,
            images: ImageSource,
            analyser: ImageAnalyser,
            colours: ColourNamer,
            router: QuestionRouter,
            vocabularies: VocabularyProvider,
            embedded: EmbeddedAnswerer,
            remote: Answerer | null,
          ) =>
            new VqaService(
              {
                products,
                attributes,
                images,
                analyser,
                colours,
                router,
                vocabularies,
                embedded,
                ...(remote ? { remote } : {}),
              },
              {
                minConfidence: config.insights.vqaMinConfidence,
                attributeMinConfidence: config.insights.attributeMinConfidence,
              },
            ),
        },
      ],
      exports: [VqaService],
    };
  }

  /** The embedded answerer and the question router alone (no catalog, no remote endpoint): evaluations. */
  static forEvaluation(options: VqaEvaluationOptions = {}): DynamicModule {
    const { neighbours } = options;
    return {
      module: VqaModule,
      providers: [
        ...ANSWERERS,
        {
          provide: SIMILAR_PRODUCTS,
          inject: [EMBEDDING_PROVIDER],
          useFactory: (embedder: EmbeddingProvider) => (neighbours ? neighbours(embedder) : null),
        },
      ],
      exports: [QuestionRouter, EmbeddedAnswerer, HeatmapRenderer],
    };
  }
}
