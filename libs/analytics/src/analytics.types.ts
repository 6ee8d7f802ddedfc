/** What a recorded search was: a text query, a picture, or "more like this product". */
export const SEARCH_KINDS = ['text', 'image', 'similar'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** What a shopper did with a product the storefront showed. */
export const EVENT_TYPES = ['click', 'add_to_cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One search, as the search routes report it to {@link AnalyticsService.recordSearch}. */
export interface SearchRecord {
  /** The `queryId` the search answered with (events name it). */
  readonly queryId: string;
  readonly kind: SearchKind;
  /** The shopper's text (normalised before it is stored); null for a picture or similar-products search. */
  readonly query: string | null;
  /** Relevant results over all pages (0: a zero-result query). */
  readonly total: number;
  readonly at: Date;
}

/** A storefront event (`POST /v1/events`). */
export interface StorefrontEvent {
  readonly type: EventType;
  readonly productId: string;
  /** The search that showed the product, when it came from one. */
  readonly queryId?: string | null;
  /** 1-based position of the product in that search's results. */
  readonly position?: number | null;
  readonly at?: Date;
}

export interface QueryFigures {
  readonly query: string;
  /** Searches for it. */
  readonly count: number;
  /** Click events on its results. */
  readonly clicks: number;
  /** Of its searches, the share with at least one click (0..1). */
  readonly ctr: number;
}

/** What `GET /v1/admin/analytics` reports over `[from, to)`. */
export interface AnalyticsReport {
  readonly from: Date;
  readonly to: Date;
  readonly searches: number;
  /** Searches with at least one click / searches; null when there were no searches (nothing to divide). */
  readonly clickThroughRate: number | null;
  readonly topQueries: readonly QueryFigures[];
  readonly zeroResultQueries: ReadonlyArray<{ readonly query: string; readonly count: number }>;
  readonly events: { readonly [T in EventType]: number };
}

/**
 * How queries are grouped: trimmed, lower case (locale-independent), runs of white space collapsed to one space,
 * Unicode NFC, at most 500 characters. Blank → null.
 */
export function normaliseQuery(query: string | null | undefined): string | null {
  if (query === null || query === undefined) return null;
  const text = query.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
  if (text === '') return null;
  // UTF-16 length bounds the code points: only a long query is split (without cutting a surrogate pair).
  return text.length <= MAX_QUERY_CHARS ? text : Array.from(text).slice(0, MAX_QUERY_CHARS).join('');
}

export const MAX_QUERY_CHARS = 500;
