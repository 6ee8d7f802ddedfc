export {
  EVIDENCE_SOURCES,
  cantTell,
  type Answerer,
  type AnswerCandidate,
  type AnswerContext,
  type AnswerEvidence,
  type EvidenceSource,
  type VqaAnswer,
} from './answer';
export {
  QuestionRouter,
  QUESTION_TYPES,
  answerClass,
  type AnswerClass,
  MAX_QUESTION_CHARS,
  type QuestionType,
  type RoutedQuestion,
  type YesNoTarget,
} from './question-router';
export { answerFromCatalog, unknowableAnswer } from './catalog-facts';
export {
  UNKNOWABLE_TOPICS,
  CATALOG_TEXT_TOPICS,
  type UnknowableTopic,
  type CatalogTextTopic,
} from './topics';
export { EmbeddedAnswerer, NEIGHBOURS_K } from './embedded-answerer';
export { OpenAiCompatibleAnswerer, parseAnswer } from './openai-answerer';
export { HeatmapRenderer, type Heatmap } from './heatmap';
export {
  InMemoryNeighbours,
  categoryVote,
  type SimilarProduct,
  type SimilarProductsIndex,
} from './similar-products';
export { VqaService, type AskOptions, type VqaDependencies, type VqaSettings } from './vqa.service';
export { VqaModule, type VqaEvaluationOptions } from './vqa.module';
