import type { AppConfig } from '@vitrine/core';
import type { CatalogDatabase, ProductRepository } from '@vitrine/catalog';
import { ImageSource, SafeFetcher, type EmbeddingProvider } from '@vitrine/embedding';
import { AttributeExtractor } from './attributes/attribute-extractor';
import { ColourNamer } from './colour/named-colours';
import { DescriptionService } from './descriptions/description.service';
import { ImageAnalyser } from './image/image-analyser';
import { ChatCompletionsClient } from './remote/chat-completions.client';
import { AttributeRepository } from './storage/attribute.repository';
import { distinctBrandsAndMaterials, distinctCategories } from './storage/catalog-vocabulary';
import { DescriptionDraftRepository } from './storage/description.repository';
import { EmbeddedAnswerer } from './vqa/embedded-answerer';
import { HeatmapRenderer } from './vqa/heatmap';
import { OpenAiCompatibleAnswerer } from './vqa/openai-answerer';
import { QuestionRouter } from './vqa/question-router';
import { VqaService } from './vqa/vqa.service';
import { Calibration } from './zero-shot/calibration';
import { PromptBank } from './zero-shot/prompt-bank';
import { VocabularyProvider } from './zero-shot/vocabulary-provider';
import { loadVocabularies } from './zero-shot/vocabularies';
import { ZeroShotClassifier } from './zero-shot/zero-shot-classifier';

/** Everything product insights are made of, wired from config (Nest's `InsightsModule` uses it, and the CLI). */
export interface Insights {
  readonly vqa: VqaService;
  readonly descriptions: DescriptionService;
  readonly attributes: AttributeExtractor;
  readonly attributeStore: AttributeRepository;
  readonly drafts: DescriptionDraftRepository;
  readonly analyser: ImageAnalyser;
  readonly classifier: ZeroShotClassifier;
  readonly router: QuestionRouter;
  readonly vocabularies: VocabularyProvider;
  readonly colours: ColourNamer;
  readonly embedded: EmbeddedAnswerer;
  readonly remote: OpenAiCompatibleAnswerer | undefined;
  /** Releases the image fetcher's connections. */
  close(): Promise<void>;
}

export interface InsightsDependencies {
  readonly db: CatalogDatabase;
  readonly products: ProductRepository;
  readonly embedder: EmbeddingProvider;
  /** Where catalog categories come from (default: the catalog's distinct categories). */
  readonly categories?: () => Promise<readonly string[]>;
}

/** Builds the insights services from `config.insights` and `config.images`. Reads the vocabulary and calibration files once. */
export function createInsights(config: AppConfig, deps: InsightsDependencies): Insights {
  const s = config.insights;
  const colours = new ColourNamer();
  const analyser = new ImageAnalyser(colours, {
    maxPixels: config.images.maxPixels,
    maxBytes: config.images.maxBytes,
  });
  const vocabularies = new VocabularyProvider(
    loadVocabularies(s.vocabularyFile),
    deps.categories ?? (() => distinctCategories(deps.db)),
  );
  const prompts = new PromptBank(deps.embedder);
  const classifier = new ZeroShotClassifier(
    prompts,
    Calibration.load(deps.embedder.modelId, s.calibrationFile),
  );
  const heatmaps = new HeatmapRenderer(deps.embedder, analyser);
  const embedded = new EmbeddedAnswerer(deps.embedder, analyser, classifier, prompts, heatmaps, () =>
    vocabularies.get(),
  );
  const client = s.answerer ? new ChatCompletionsClient(s.answerer) : undefined;
  const remote = client ? new OpenAiCompatibleAnswerer(client) : undefined;
  const router = new QuestionRouter(() => vocabularies.current(), colours);
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
    analyser,
    classifier,
    () => vocabularies.get(),
  );
  const vqa = new VqaService(
    {
      products: deps.products,
      attributes: attributeStore,
      images,
      analyser,
      colours,
      router,
      vocabularies,
      embedded,
      ...(remote ? { remote } : {}),
    },
    { minConfidence: s.vqaMinConfidence, attributeMinConfidence: s.attributeMinConfidence },
  );
  const descriptions = new DescriptionService(
    {
      products: deps.products,
      attributes: attributeStore,
      drafts,
      colours,
      vocabulary: async () => {
        const [v, catalog] = await Promise.all([vocabularies.get(), distinctBrandsAndMaterials(deps.db)]);
        return { colours, materials: [...v.material.labels, ...catalog.materials], brands: catalog.brands };
      },
      ...(client ? { remote: client } : {}),
    },
    { attributeMinConfidence: s.attributeMinConfidence },
  );
  return {
    vqa,
    descriptions,
    attributes,
    attributeStore,
    drafts,
    analyser,
    classifier,
    router,
    vocabularies,
    colours,
    embedded,
    remote,
    close: () => fetcher.close(),
  };
}
