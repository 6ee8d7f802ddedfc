import type { RetrieverName } from '../search.types';

/** How much each kind of evidence counts: the products' image vectors, their text vectors, full-text matching. */
export interface EvidenceWeights {
  readonly image: number;
  readonly text: number;
  readonly lexical: number;
}

/** What the second stage knows about the query. */
export interface RerankQuery {
  /** The words typed, when there are any (cross-encoders and lexical evidence need them). */
  readonly text?: string;
  /** Vectors to compare each candidate's `image` and `text` vectors with (unit length, same model). */
  readonly vectors: { readonly image?: Float32Array; readonly text?: Float32Array };
  /** The weights this search ran its first stage with (they differ from the configured ones in fallbacks). */
  readonly weights?: EvidenceWeights;
}

/** One first-stage candidate with the evidence the second stage may use. */
export interface RerankCandidate {
  readonly id: string;
  readonly firstStage: {
    readonly rrf: number;
    readonly ranks: Readonly<Partial<Record<RetrieverName, number>>>;
  };
  /** The product's stored vectors (unit length); absent when it has none of that kind. */
  readonly vectors: { readonly image?: Float32Array; readonly text?: Float32Array };
  /** Lexical match of the query text against title/brand/category/description, in [0, 1); 0 without text. */
  readonly lexical: number;
  readonly inStock: boolean;
  /** `attributes.popularity` when it is a non-negative number. */
  readonly popularity: number | undefined;
}

export interface RerankedCandidate {
  readonly id: string;
  readonly score: number;
  /** Named score parts, returned to callers that ask for `explain`. */
  readonly components: Readonly<Record<string, number>>;
}

/**
 * The second stage of retrieve-then-rerank: reorders (a prefix of) the fused candidate pool. Implementations may
 * be local (the default {@link LinearReranker}) or call out (a cross-encoder, an external reranking service);
 * they return at least `take` candidates when that many were given, best first.
 */
export interface Reranker {
  /** Reported in responses, e.g. `linear` or `linear+mmr`. */
  readonly name: string;
  rerank(
    query: RerankQuery,
    candidates: readonly RerankCandidate[],
    take: number,
  ): Promise<RerankedCandidate[]> | RerankedCandidate[];
}

/** Nest injection token for the {@link Reranker} the search service uses. */
export const RERANKER = Symbol('RERANKER');
