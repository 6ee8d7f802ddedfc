import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@vitrine/core';
import type { CatalogDatabase, ProductRepository } from '@vitrine/catalog';
import { ImageSource, SafeFetcher, type EmbeddingProvider } from '@vitrine/embedding';
import type { VectorStore } from '@vitrine/vectors';
import { AttributeExtractor } from './attributes/attribute-extractor';
import { ColourNamer } from './colour/named-colours';
import type { ContradictionVocabulary } from './descriptions/contradictions';
import { DescriptionComposer, DescriptionService } from './descriptions/description.service';
import { ImageAnalyser } from './image/image-analyser';
import { ChatCompletionsClient } from './remote/chat-completions.client';
import { AttributeRepository } from './storage/attribute.repository';
import { distinctBrandsAndMaterials, distinctCategories } from './storage/catalog-vocabulary';
import { DescriptionDraftRepository } from './storage/description.repository';
import { EmbeddedAnswerer } from './vqa/embedded-answerer';
import { HeatmapRenderer } from './vqa/heatmap';
import { OpenAiCompatibleAnswerer } from './vqa/openai-answerer';
import { QuestionRouter } from './vqa/question-router';
import { VectorStoreNeighbours, type SimilarProductsIndex } from './vqa/similar-products';
import { VqaService } from './vqa/vqa.service';
import { Calibration } from './zero-shot/calibration';
import { PromptBank } from './zero-shot/prompt-bank';
import { VocabularyProvider } from './zero-shot/vocabulary-provider';
import { loadVocabularies, type Vocabularies } from './zero-shot/vocabularies';
import { ZeroShotClassifier } from './zero-shot/zero-shot-classifier';

/** The parts of insights that need only the model (no catalog database): evaluation uses them on files. */
export interface InsightsCore {
  readonly colours: ColourNamer;
  readonly analyser: ImageAnalyser;
  readonly vocabularies: VocabularyProvider;
  readonly prompts: PromptBank;
  readonly classifier: ZeroShotClassifier;
  readonly heatmaps: HeatmapRenderer;
  readonly embedded: EmbeddedAnswerer;
  readonly router: QuestionRouter;
  /** The OpenAI-compatible endpoint, when ANSWERER_URL is set. */
  readonly client: ChatCompletionsClient | undefined;
  readonly remote: OpenAiCompatibleAnswerer | undefined;
}

export interface InsightsCoreOptions {
  /** Where category labels come from (the catalog's categories). */
  readonly categories: () => Promise<readonly string[]>;
  /** Replaces the configured vocabularies (evaluation pins them). */
  readonly vocabularies?: Vocabularies;
  /** Replaces the calibration file's scales. */
  readonly calibration?: Calibration;
  /** Catalog products by picture, for category evidence (without it, categories are zero-shot). */
  readonly neighbours?: SimilarProductsIndex;
}

/** Where a model's fitted scales are looked for when ATTRIBUTE_CALIBRATION_FILE is not set. */
export const MODEL_CALIBRATION_FILE = 'vitrine-calibration.json';

/** ATTRIBUTE_CALIBRATION_FILE, else the model directory's {@link MODEL_CALIBRATION_FILE} when there is one. */
function calibrationFile(config: AppConfig): string | undefined {
  if (config.insights.calibrationFile) return config.insights.calibrationFile;
  const beside = join(config.embedding.modelDir, MODEL_CALIBRATION_FILE);
  return existsSync(beside) ? beside : undefined;
}

/** Builds the model-only parts from `config.insights` (reads the vocabulary and calibration files once). */
export function createInsightsCore(
  config: AppConfig,
  embedder: EmbeddingProvider,
  options: InsightsCoreOptions,
): InsightsCore {
  const s = config.insights;
  const colours = new ColourNamer();
  const analyser = new ImageAnalyser(colours, {
    maxPixels: config.images.maxPixels,
    maxBytes: config.images.maxBytes,
  });
  const vocabularies = new VocabularyProvider(
    options.vocabularies ?? loadVocabularies(s.vocabularyFile),
    options.categories,
  );
  const prompts = new PromptBank(embedder);
  const classifier = new ZeroShotClassifier(
    prompts,
    options.calibration ?? Calibration.load(embedder.modelId, calibrationFile(config)),
  );
  const heatmaps = new HeatmapRenderer(embedder, analyser);
  const embedded = new EmbeddedAnswerer(
    embedder,
    analyser,
    classifier,
    prompts,
    heatmaps,
    () => vocabularies.get(),
    options.neighbours,
  );
  const client = s.answerer ? new ChatCompletionsClient(s.answerer) : undefined;
  return {
    colours,
    analyser,
    vocabularies,
    prompts,
    classifier,
    heatmaps,
    embedded,
    router: new QuestionRouter(() => vocabularies.current(), colours),
    client,
    remote: client ? new OpenAiCompatibleAnswerer(client) : undefined,
  };
}

/** Everything product insights are made of, wired from config (Nest's `InsightsModule` uses it, and the CLI). */
export interface Insights extends InsightsCore {
  readonly vqa: VqaService;
  readonly descriptions: DescriptionService;
  readonly composer: DescriptionComposer;
  readonly attributes: AttributeExtractor;
  readonly attributeStore: AttributeRepository;
  readonly drafts: DescriptionDraftRepository;
  /** Releases the image fetcher's connections. */
  close(): Promise<void>;
}

export interface InsightsDependencies {
  readonly db: CatalogDatabase;
  readonly products: ProductRepository;
  readonly embedder: EmbeddingProvider;
  /** The vector store (category evidence from similar catalog products); optional. */
  readonly store?: VectorStore;
}

/** Builds the insights services from `config.insights` and `config.images` over the catalog database. */
export function createInsights(config: AppConfig, deps: InsightsDependencies): Insights {
  const core = createInsightsCore(config, deps.embedder, {
    categories: () => distinctCategories(deps.db),
    ...(deps.store ? { neighbours: new VectorStoreNeighbours(deps.store, deps.embedder.modelId) } : {}),
  });
  const s = config.insights;
  const fetcher = new SafeFetcher({
    timeoutMs: config.images.fetchTimeoutMs,
    maxBytes: config.images.maxBytes,
    maxRedirects: config.images.fetchMaxRedirects,
    allowPrivate: config.images.fetchAllowPrivate,
  });
  const images = new ImageSource(fetcher, config.images.maxBytes);
  const attributeStore = new AttributeRepository(deps.db);
  const drafts = new DescriptionDraftRepository(deps.db);
  const attributes = new AttributeExtractor(
    deps.products,
    attributeStore,
    images,
    deps.embedder,
    core.analyser,
    core.classifier,
    () => core.vocabularies.get(),
  );
  const vqa = new VqaService(
    {
      products: deps.products,
      attributes: attributeStore,
      images,
      analyser: core.analyser,
      colours: core.colours,
      router: core.router,
      vocabularies: core.vocabularies,
      embedded: core.embedded,
      ...(core.remote ? { remote: core.remote } : {}),
    },
    { minConfidence: s.vqaMinConfidence, attributeMinConfidence: s.attributeMinConfidence },
  );
  const vocabulary = async (): Promise<ContradictionVocabulary> => {
    const [v, catalog] = await Promise.all([core.vocabularies.get(), distinctBrandsAndMaterials(deps.db)]);
    return {
      colours: core.colours,
      materials: [...v.material.labels, ...catalog.materials],
      brands: catalog.brands,
    };
  };
  const composer = new DescriptionComposer(
    vocabulary,
    { attributeMinConfidence: s.attributeMinConfidence },
    core.client,
  );
  const descriptions = new DescriptionService({
    products: deps.products,
    attributes: attributeStore,
    drafts,
    composer,
  });
  return {
    ...core,
    vqa,
    descriptions,
    composer,
    attributes,
    attributeStore,
    drafts,
    close: () => fetcher.close(),
  };
}
