/** The languages the embedded dialogue manager understands and answers in. */
export const LANGUAGES = ['en', 'zh'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** What a shopper's turn asks for. */
export const INTENTS = [
  /** A new search from a description ("red sneakers under 50 euros"). */
  'search',
  /** Narrow or change the search in force ("cheaper", "only in stock", "in blue instead", "not that brand"). */
  'refine',
  /** A question about one shown product ("is the first one waterproof?"). */
  'question',
  /** A fact table of shown products ("compare the first two"). */
  'compare',
  /** Products like a shown one ("more like the third"), or like an uploaded picture. */
  'similar',
  /** The next page of the search in force. */
  'show-more',
  /** Reorder the search in force ("sort by price"). */
  'sort',
  /** Forget the filters and the products shown. */
  'start-over',
  'greeting',
  'help',
  /** Something the shop assistant cannot do (order status, returns, payment, delivery, account). */
  'out-of-scope',
] as const;
export type Intent = (typeof INTENTS)[number];

/** The order a result list is shown in. */
export const SORT_ORDERS = ['relevance', 'price-asc', 'price-desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** What an out-of-scope turn was about, so the reply can say where to look instead. */
export const OUT_OF_SCOPE_TOPICS = [
  'order-status',
  'returns',
  'payment',
  'delivery',
  'account',
  'other',
] as const;
export type OutOfScopeTopic = (typeof OUT_OF_SCOPE_TOPICS)[number];

/**
 * A price constraint as stated. `min`/`max` are inclusive bounds in `currency` (ISO 4217) when the shopper named
 * one; `relative: 'cheaper'` ("cheaper", "便宜点") asks for less than the products shown.
 */
export interface PriceSlot {
  readonly min?: number;
  readonly max?: number;
  readonly currency?: string;
  readonly relative?: 'cheaper' | 'pricier';
}

/**
 * A pointer at a product shown earlier. `ordinal`: 0-based position in the last list shown (-1 = the last one);
 * `focus`: "it", "that one", "这个" (the product the conversation is about); `cheapest`/`priciest`: "the cheaper
 * of the two" (among the first `among` shown, or all shown).
 */
export type ProductReference =
  | { readonly kind: 'ordinal'; readonly index: number }
  | { readonly kind: 'focus' }
  | { readonly kind: 'cheapest' | 'priciest'; readonly among?: number };

/** What a turn names, each slot only when stated. */
export interface Slots {
  /** A catalog category (the vocabulary's spelling), from a product word ("sneakers" → `Shoes`). */
  readonly category?: string;
  /** English colour name ("red"), also for Chinese ("红色"). */
  readonly colour?: string;
  /** A catalog brand named to include. */
  readonly brand?: string;
  /** Brands to leave out; `'@focus'` stands for "not that brand" (the brand of the product referred to). */
  readonly excludeBrand?: string;
  readonly price?: PriceSlot;
  /** "only in stock", "有货的": true. */
  readonly inStock?: boolean;
  readonly sort?: SortOrder;
  /** Products referred to, in the order named. */
  readonly references?: readonly ProductReference[];
  /** Words for retrieval, in English where the parser knows the translation ("red sneakers"). */
  readonly query?: string;
  /** The question to ask about the referred product, with the reference replaced by "it"/"它". */
  readonly question?: string;
  /** Out-of-scope topic. */
  readonly topic?: OutOfScopeTopic;
  /** Constraints to drop ("any colour", "颜色无所谓"). */
  readonly clear?: readonly ClearableSlot[];
  /**
   * A search that names no kind of product and no brand the parser knows: mid-conversation such a turn is likelier
   * a refinement the parser missed than a new search (which would replace the category in force).
   */
  readonly unrecognised?: boolean;
}

/** Constraints a turn can drop. */
export type ClearableSlot = 'colour' | 'brand' | 'price' | 'inStock' | 'category';

/** One parsed shopper turn. */
export interface ParsedTurn {
  readonly lang: Lang;
  readonly intent: Intent;
  readonly slots: Slots;
}

/**
 * Names the parser recognises beyond its built-in words: the catalog's brands and categories. Categories map from
 * product words through the built-in synonym table to the catalog's spelling; brands match case-insensitively.
 */
export interface Vocabulary {
  readonly brands: readonly string[];
  readonly categories: readonly string[];
}
