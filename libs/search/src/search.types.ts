import type { ProductCard } from '@vitrine/catalog';
import type { TextRange } from './query/query-understanding';

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
  /**
   * Refuse a price range without a currency when the catalog prices in several (the HTTP API sets it: a shopper's
   * "under 20" names no currency). Without it such a range applies to every currency's amounts.
   */
  readonly requireCurrency?: boolean;
  /**
   * Word searches drop candidates without evidence (default true): `false` keeps the least unlike products, for a
   * caller that holds the shopper's constraints as filters and wants the closest products within them (the chat's
   * tools, whose model reads every result).
   */
  readonly relevanceCutoff?: boolean;
  /** Order of the relevant results (default `relevance`); see {@link SORT_ORDERS}. */
  readonly sort?: SortOrder;
  /**
   * BCP 47 tag of the shopper's language (`zh`, `zh-Hans-CN`): results show their title and description in it
   * where the product has them (each item's `locale` says which), and the words also match the products' localised
   * text. Absent: the catalog's own text.
   */
  readonly locale?: string;
  /**
   * Facets to count over the whole relevant result set (not the page): `category`, `brand`, `price`, `inStock`,
   * `currency` or an attribute name (`color`/`colour`, `material`, `size`, ...), at most {@link MAX_FACETS}.
   */
  readonly facets?: readonly string[];
}

/** Orders of a result list. Price orders group by currency first (without a currency filter), unpriced last. */
export const SORT_ORDERS = ['relevance', 'price_asc', 'price_desc', 'newest', 'popularity'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** Most facets one request may ask for. */
export const MAX_FACETS = 10;

/** One value of a facet and how many results hold it. */
export type FacetValue =
  | { readonly value: string | boolean; readonly count: number }
  | {
      /** A price range label such as `10-25` or `100+`: `from` inclusive, `to` exclusive, null when open. */
      readonly value: string;
      readonly from: number | null;
      readonly to: number | null;
      readonly currency: string;
      readonly count: number;
    };

/** Browsing the catalog without a query: filters, order (default `newest`), facets and paging. */
export interface BrowseRequest {
  readonly filters?: SearchFilters;
  readonly sort?: SortOrder;
  readonly facets?: readonly string[];
  readonly limit?: number;
  readonly cursor?: string;
  /** As in {@link SearchOptions.locale}: the language of the cards' text. */
  readonly locale?: string;
}

export interface TextSearchRequest extends SearchOptions {
  /** What the shopper typed, 1..{@link MAX_QUERY_CHARS} characters. */
  readonly query: string;
}

/**
 * An image given as bytes (an upload) or as a URL fetched through the SSRF guard; exactly one of them, except
 * that a `cursor` alone continues an image search (it carries the picture's embedding).
 */
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
  /** Where the query's words (and their corrections and synonyms) appear; text searches only. */
  readonly highlights?: Highlights;
}

/** Matches of the query in a result's title, and a short window of its description around the first match. */
export interface Highlights {
  readonly title?: readonly TextRange[];
  readonly description?: { readonly text: string; readonly ranges: readonly TextRange[] };
}

export interface SearchPage {
  /** Identifies this request (random), for the events a storefront reports about its results. */
  readonly queryId: string;
  readonly items: readonly SearchResultItem[];
  /** Relevant results over all pages (after the relevance cutoff). */
  readonly total: number;
  /** `eq`: `total` is exact; `gte`: retrieval stopped at its depth and more may be relevant. */
  readonly totalRelation: 'eq' | 'gte';
  /** The text the search ran on when a word was auto-corrected. */
  readonly correctedQuery?: string;
  /** A suggestion when nothing was found. */
  readonly didYouMean?: string;
  /** The requested facets over all relevant results, keyed by the names asked for. */
  readonly facets?: Readonly<Record<string, readonly FacetValue[]>>;
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
