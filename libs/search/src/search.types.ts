import type { ProductCard } from '@vitrine/catalog';

/**
 * What a shopper can narrow a search to. Every condition must hold (AND); the same conditions are applied inside
 * the vector search and in the lexical SQL, so a filtered query still returns `limit` results when that many
 * products match.
 */
export interface SearchFilters {
  /** One category, or any of several. */
  readonly category?: string | readonly string[];
  /** One brand, or any of several. */
  readonly brand?: string | readonly string[];
  /** Inclusive price bounds, in the products' currency (combine with `currency` for mixed catalogs). */
  readonly price?: { readonly min?: number; readonly max?: number };
  /** ISO 4217 code of the price. */
  readonly currency?: string;
  readonly inStock?: boolean;
  /** Equality on scalar attributes, e.g. `{ color: 'red', vegan: true }`. */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

/** Paging and ranking options shared by every kind of search. */
export interface SearchOptions {
  readonly filters?: SearchFilters;
  /** Results per page, 1..100 (default 20). */
  readonly limit?: number;
  /** `nextCursor` of the previous page of the same search. */
  readonly cursor?: string;
  /** Return each result's score components. */
  readonly explain?: boolean;
  /** Run the second (rerank) stage; defaults to `SEARCH_RERANK`. */
  readonly rerank?: boolean;
}

export interface TextSearchRequest extends SearchOptions {
  /** What the shopper typed, 1..{@link MAX_QUERY_CHARS} characters. */
  readonly query: string;
}

/** An image given as bytes (an upload) or as a URL fetched through the SSRF guard; exactly one of them. */
export interface ImageSearchRequest extends SearchOptions {
  readonly image?: Uint8Array;
  readonly imageUrl?: string;
  /** Optional words to steer the picture ("like this, but in red"). */
  readonly query?: string;
}

/** A product as a result list shows it, read by the catalog (`ProductSearchRepository.cards`). */
export type { CardImage, ProductCard } from '@vitrine/catalog';

/** Where a result came from in the first stage: its 1-based rank in each list that returned it. */
export type RetrieverName = 'image' | 'text' | 'lexical';

/** Score components of one result (`explain: true`). */
export interface ScoreExplanation {
  readonly firstStage: {
    /** Weighted reciprocal rank fusion score. */
    readonly rrf: number;
    readonly ranks: Readonly<Partial<Record<RetrieverName, number>>>;
  };
  /** Present when the second stage ran; the reranker's named components (see `LinearReranker`). */
  readonly rerank?: Readonly<Record<string, number>>;
}

export interface SearchResultItem extends ProductCard {
  /** Final score (reranked, or the fusion score when reranking is off); higher is better. */
  readonly score: number;
  readonly explain?: ScoreExplanation;
}

export interface SearchPage {
  readonly items: readonly SearchResultItem[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
  /** Which reranker ran (`none` when reranking was off). */
  readonly reranker: string;
}

/** Longest query text accepted; CLIP reads at most 77 tokens, and lexical search gains nothing from essays. */
export const MAX_QUERY_CHARS = 512;
/** Largest page. */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
