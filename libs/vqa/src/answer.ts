import type { Heatmap } from './heatmap';
import type { QuestionType, RoutedQuestion } from './question-router';

/** Where an answer's evidence came from. */
export const EVIDENCE_SOURCES = [
  /** The product's catalog fields (price, brand, stock, attributes the merchant entered). */
  'catalog',
  /** Attributes extracted from the product picture earlier and stored (the indexer's job). */
  'stored-attributes',
  /** The picture's pixels (dominant colours): no model. */
  'image-pixels',
  /** The picture through the CLIP model (zero-shot over candidates, contrasting prompts). */
  'image-model',
  /** The catalog products that look most like the picture (their categories, by vote). */
  'similar-products',
  /** The OpenAI-compatible vision-language endpoint. */
  'remote-model',
  /** Nothing: the answer is "I can't tell". */
  'none',
] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

/** The phrase used whenever the evidence is not good enough to answer. */
export const CANT_TELL = "I can't tell";

/** The catalog text an answer rests on: the sentence or attribute, and the field it is in. */
export interface AnswerEvidence {
  /** `title`, `description`, `brand`, `category`, `price`, `inStock` or `attributes.<key>`. */
  readonly field: string;
  /** The sentence or value, verbatim. */
  readonly text: string;
}

export interface AnswerCandidate {
  readonly value: string;
  readonly probability: number;
}

export interface VqaAnswer {
  /** A sentence for the shopper. */
  readonly answer: string;
  /** The answer's value (`red`, `yes`, `EUR 12.9`); null when {@link answered} is false. */
  readonly value: string | null;
  /** False when the answer is "I can't tell". */
  readonly answered: boolean;
  /** 0..1. Catalog facts are 1; image evidence is a (calibrated when fitted) probability. */
  readonly confidence: number;
  readonly source: EvidenceSource;
  readonly questionType: QuestionType;
  /** Which model produced the evidence (CLIP model id, `pixels`, or the remote model), when one did. */
  readonly modelId?: string;
  /** Other answers considered, most probable first (zero-shot evidence). */
  readonly candidates?: readonly AnswerCandidate[];
  /** Why the answer is what it is, in words (which facts, which evidence, or why it could not tell). */
  readonly explanation: string;
  /** Regions of the picture that matched the answer, when asked for and there is a picture. */
  readonly heatmap?: Heatmap;
  /** Catalog text quoted as the answer's evidence (catalog answers). */
  readonly evidence?: readonly AnswerEvidence[];
}

/** What an answerer may use besides the question. */
export interface AnswerContext {
  /** The picture to answer about (encoded bytes), if any. */
  readonly image?: Uint8Array;
  /** Catalog facts as plain text lines ("brand: Acme"), for answerers that read text. */
  readonly facts?: readonly string[];
  /** Whether to compute a heatmap (costs extra model runs). */
  readonly heatmap?: boolean;
  /** The product asked about, if any: never its own neighbour. */
  readonly productId?: string;
}

/**
 * Answers a question about a picture. The default runs on the platform's own CLIP model and pixels
 * (`EmbeddedAnswerer`); `OpenAiCompatibleAnswerer` asks a vision-language model behind an OpenAI-style
 * chat-completions endpoint. Answerers say "I can't tell" (answered: false) rather than throw when the evidence is
 * weak; they throw only for failures (`DomainError`).
 */
export interface Answerer {
  /** Stable id, reported with answers. */
  readonly id: string;
  answer(question: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer>;
}

export function cantTell(
  questionType: QuestionType,
  explanation: string,
  extra: Partial<
    Pick<VqaAnswer, 'confidence' | 'candidates' | 'modelId' | 'source' | 'heatmap' | 'answer' | 'evidence'>
  > = {},
): VqaAnswer {
  return {
    answer: extra.answer ?? CANT_TELL,
    value: null,
    answered: false,
    confidence: extra.confidence ?? 0,
    source: extra.source ?? 'none',
    questionType,
    explanation,
    ...(extra.modelId ? { modelId: extra.modelId } : {}),
    ...(extra.candidates ? { candidates: extra.candidates } : {}),
    ...(extra.heatmap ? { heatmap: extra.heatmap } : {}),
    ...(extra.evidence ? { evidence: extra.evidence } : {}),
  };
}
