export {
  EVIDENCE_SOURCES,
  cantTell,
  type Answerer,
  type AnswerCandidate,
  type AnswerContext,
  type EvidenceSource,
  type VqaAnswer,
} from './answer';
export {
  QuestionRouter,
  QUESTION_TYPES,
  MAX_QUESTION_CHARS,
  type QuestionType,
  type RoutedQuestion,
  type YesNoTarget,
} from './question-router';
export { EmbeddedAnswerer, NEIGHBOURS_K } from './embedded-answerer';
export { OpenAiCompatibleAnswerer, parseAnswer } from './openai-answerer';
export { HeatmapRenderer, type Heatmap } from './heatmap';
export {
  InMemoryNeighbours,
  categoryVote,
  type SimilarProduct,
  type SimilarProductsIndex,
} from './similar-products';
export { VqaService, type AskOptions } from './vqa.service';
export { VqaModule, type VqaEvaluationOptions } from './vqa.module';
