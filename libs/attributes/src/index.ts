// Colours without a model.
export { deltaE, labToSrgb, parseHex, srgbToLab, toHex } from './colour/lab';
export { shrinkRgb } from './colour/downsample';
export { ColourNamer, COLOUR_SYNONYMS } from './colour/named-colours';
export {
  BACKGROUND_TOLERANCE,
  colourDominance,
  PIXELS_MODEL_ID,
  type ColourAnalysis,
} from './colour/dominant-colours';
export { COLOUR_ANALYSIS_SIZE, DECODED_COLOUR_SIZE, ImageAnalyser } from './image/image-analyser';

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
  DEFAULT_LOGIT_SCALE,
  softmax,
  fitLogitScale,
  minimiseScale,
  negativeLogLikelihood,
  expectedCalibrationError,
  capConfidence,
  fitThreshold,
  precisionAt,
  FACT_PRECISION,
  MAX_MODEL_CONFIDENCE,
  type CalibrationFile,
  type CalibrationSample,
} from './zero-shot/calibration';
export { ZeroShotClassifier, type ZeroShotPrediction } from './zero-shot/zero-shot-classifier';

// Extraction and storage.
export { AttributeExtractor, type ExtractionOutcome } from './extraction/attribute-extractor';
export {
  attributeText,
  catalogAttribute,
  formatPrice,
  usableAsFact,
  CATALOG_KEYS,
  type ExtractedAttribute,
  type ExtractionSource,
  type StoredAttribute,
} from './extraction/extracted-attribute';
export { AttributeRepository } from './storage/attribute.repository';
export { ATTRIBUTE_MIGRATIONS } from './migrations/1764700000000-product-insights';

// Wiring.
export { AttributesModule, type AttributeEvaluationOptions } from './attributes.module';
export { withArticle } from './article';
