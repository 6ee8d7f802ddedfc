// Captioning metrics (coco-caption semantics).
export { scoreCaptions, type CaptionSample, type CaptionScores } from './metrics/caption-metrics';
export { corpusBleu, type BleuResult, type TokenizedSample } from './metrics/bleu';
export { corpusRougeL, rougeL, lcsLength, ROUGE_L_BETA } from './metrics/rouge';
export { corpusCiderD, type CiderOptions } from './metrics/cider';
export { ptbTokenize } from './metrics/ptb-tokenizer';

// Colours without a model.
export { srgbToLab, labToSrgb, deltaE, toHex, parseHex, type Lab } from './colour/lab';
export { kmeansLab, type Cluster } from './colour/kmeans';
export {
  ColourNamer,
  DEFAULT_NAMED_COLOURS,
  COLOUR_SYNONYMS,
  type NamedColour,
} from './colour/named-colours';
export {
  dominantColours,
  BACKGROUND_TOLERANCE,
  type ColourAnalysis,
  type ColourCluster,
  type NamedShare,
  type DominantColourOptions,
} from './colour/dominant-colours';
export { ImageAnalyser, CANVAS_SIZE, COLOUR_ANALYSIS_SIZE } from './image/image-analyser';

// Zero-shot attributes.
export {
  ATTRIBUTE_NAMES,
  DEFAULT_VOCABULARIES,
  loadVocabularies,
  withCategories,
  promptsFor,
  type AttributeName,
  type Vocabulary,
  type Vocabularies,
} from './zero-shot/vocabularies';
export { VocabularyProvider } from './zero-shot/vocabulary-provider';
export { PromptBank } from './zero-shot/prompt-bank';
export {
  Calibration,
  CALIBRATION_KEYS,
  DEFAULT_LOGIT_SCALE,
  softmax,
  fitLogitScale,
  minimiseScale,
  negativeLogLikelihood,
  expectedCalibrationError,
  type CalibrationFile,
  type CalibrationKey,
  type CalibrationSample,
} from './zero-shot/calibration';
export {
  ZeroShotClassifier,
  type Candidate,
  type Contrast,
  type ZeroShotPrediction,
} from './zero-shot/zero-shot-classifier';
export { AttributeExtractor, type ExtractionOutcome } from './attributes/attribute-extractor';
export {
  CATALOG_KEYS,
  usableAsFact,
  type ExtractedAttribute,
  type ExtractionSource,
  type StoredAttribute,
} from './attributes/extracted-attribute';

// Visual question answering.
export {
  CANT_TELL,
  EVIDENCE_SOURCES,
  cantTell,
  type Answerer,
  type AnswerCandidate,
  type AnswerContext,
  type EvidenceSource,
  type VqaAnswer,
} from './vqa/answer';
export {
  QuestionRouter,
  QUESTION_TYPES,
  MAX_QUESTION_CHARS,
  validateQuestion,
  type QuestionType,
  type RoutedQuestion,
  type YesNoTarget,
} from './vqa/question-router';
export { detectLanguage, type DetectedLanguage } from './vqa/language';
export { EmbeddedAnswerer, PIXELS_MODEL_ID, NEIGHBOURS_K, colourDominance } from './vqa/embedded-answerer';
export {
  OpenAiCompatibleAnswerer,
  parseAnswer,
  pngDataUrl,
  REMOTE_IMAGE_MAX_SIDE,
} from './vqa/openai-answerer';
export { HeatmapRenderer, type Heatmap, type PatchGrid } from './vqa/heatmap';
export { answerFromCatalog, factLines, formatPrice, catalogAttribute } from './vqa/catalog-facts';
export { VqaService, type AskOptions, type VqaDependencies, type VqaSettings } from './vqa/vqa.service';
export {
  ChatCompletionsClient,
  type ChatCompletion,
  type ChatCompletionsSettings,
  type ChatMessage,
  type ChatPart,
} from './remote/chat-completions.client';

// Generated descriptions.
export { DESCRIPTION_STYLES, type DescriptionStyle } from './descriptions/description-style';
export { factSheet, type Fact } from './descriptions/fact-sheet';
export { composeDescription, TEMPLATE_GENERATOR, SEO_MAX_CHARS } from './descriptions/templates';
export {
  findContradictions,
  type Contradiction,
  type ContradictionVocabulary,
} from './descriptions/contradictions';
export {
  DescriptionService,
  DescriptionComposer,
  type ComposedDescription,
  type DescriptionDependencies,
  type DescriptionSettings,
} from './descriptions/description.service';

// Storage.
export { AttributeRepository } from './storage/attribute.repository';
export {
  DescriptionDraftRepository,
  DRAFT_STATUSES,
  type DescriptionDraft,
  type DraftStatus,
  type NewDraft,
} from './storage/description.repository';
export { distinctCategories, distinctBrandsAndMaterials } from './storage/catalog-vocabulary';

// Wiring.
export {
  createInsights,
  createInsightsCore,
  MODEL_CALIBRATION_FILE,
  type Insights,
  type InsightsCore,
  type InsightsCoreOptions,
  type InsightsDependencies,
} from './insights';
export { InsightsModule, INSIGHTS } from './insights.module';

// Evaluation.
export { readCatalogProducts } from './eval/catalog-file';
export {
  readReferences,
  catalogReferences,
  evaluateDescriptions,
  type DescriptionEvalReport,
  type References,
} from './eval/description-eval';
export {
  buildQuestions,
  evaluateVqa,
  fitCalibration,
  unambiguousColour,
  conceptOf,
  wilson,
  EVAL_TYPES,
  type CalibrationFit,
  type EvalQuestion,
  type EvalType,
  type TypeStats,
  type VqaEvalResult,
} from './eval/vqa-eval';
export {
  VectorStoreNeighbours,
  InMemoryNeighbours,
  categoryVote,
  type SimilarProduct,
  type SimilarProductsIndex,
} from './vqa/similar-products';
