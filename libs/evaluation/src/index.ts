// Retrieval: R@K, MedR, MeanR, MRR, nDCG@10 of the product's search on a query set.
export {
  computeRetrievalMetrics,
  type RankedQuery,
  type RetrievalMetrics,
} from './retrieval/retrieval-metrics';
export {
  DEFAULT_QUERY_LANG,
  evaluateSearch,
  metricsByKind,
  readEvalQueries,
  readEvalQueryFiles,
  type EvalQuery,
  type EvaluationOptions,
  type EvaluationReport,
  type QueryOutcome,
} from './retrieval/evaluation';

// Self-contained HTML reports of the evaluations (inline CSS and SVG, pictures as data URIs).
export { escapeHtml } from './report/html';
export { Thumbnailer } from './report/thumbnails';
export {
  buildRetrievalReport,
  recallCurve,
  worstQueries,
  type ReportProduct,
  type RetrievalReportInput,
} from './report/retrieval-report';
export { buildVqaReport, type VqaReportInput } from './report/vqa-report';
export { buildChatReport, turnProblems, type ChatReportInput } from './report/chat-report';

// Captioning metrics (coco-caption semantics).
export { scoreCaptions, type CaptionSample, type CaptionScores } from './captions/caption-metrics';

// VQA and descriptions on a catalog file.
export { readCatalogProducts } from './catalog-file';
export {
  readReferences,
  catalogReferences,
  evaluateDescriptions,
  type DescriptionEvalReport,
  type References,
} from './descriptions/description-eval';
export {
  buildQuestions,
  evaluateVqa,
  fitCalibration,
  unambiguousColour,
  EVAL_TYPES,
  type CalibrationFit,
  type ConfidentlyWrong,
  type EvalQuestion,
  type EvalType,
  type TypeStats,
  type VqaEvalModels,
  type VqaEvalResult,
} from './vqa/vqa-eval';
export {
  evaluateTruthfulness,
  readCatalogTextSet,
  readUnknowableSet,
  type AskProduct,
  type CatalogTextQuestion,
  type RateWithCi,
  type TruthfulnessReport,
  type UnknowableQuestion,
} from './vqa/truthfulness';
export { EvaluationModule, vqaEvalModels, type EvaluationModuleOptions } from './evaluation.module';

// Chat: intent, slots, references, abstention and constraint violations of the shopping assistant on a
// conversation set (data/eval/chat).
export {
  CHAT_INTENTS,
  CHAT_SLOTS,
  parseConversationSet,
  readConversationSet,
  type ChatConversation,
  type ChatGoldTurn,
  type ChatIntent,
  type ChatSlot,
  type ChatSlots,
  type GoldReference,
  type SlotValue,
} from './chat/conversation-set';
export {
  chatCatalog,
  constraintsAfter,
  findViolations,
  type ChatCatalogItem,
  type StatedConstraints,
  type Violation,
  type ViolationKind,
} from './chat/constraints';
export {
  scoreChat,
  type ChatMetrics,
  type ChatTurnOutcome,
  type ObservedReference,
  type Prf,
  type Rate,
} from './chat/chat-metrics';
export {
  evaluateChat,
  type ChatAgent,
  type ChatAgentReply,
  type ChatEvaluation,
  type ChatSession,
  type ChatTurnContext,
} from './chat/evaluate-chat';
