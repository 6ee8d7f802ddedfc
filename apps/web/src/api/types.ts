/**
 * Shapes of the Vitrine HTTP API as the storefront and the admin console read them (docs/api.md, /docs-json).
 * Hand-written for now against the storefront contract; optional fields are the ones a deployment may not send yet.
 */

export interface Money {
  amount: string;
  currency: string;
}

/** `[start, end)`: UTF-16 offsets into the string. */
export type Range = [number, number];

export interface ProductCard {
  id: string;
  sku: string;
  title: string;
  brand: string | null;
  category: string | null;
  price: Money | null;
  inStock: boolean;
  imageUrl: string | null;
  score?: number;
  highlights?: { title?: Range[]; description?: { text: string; ranges: Range[] } };
  /** Present when the request sent a locale: the tag the title is in, or null for the catalog's own text. */
  locale?: string | null;
}

export interface FacetValue {
  value: string | boolean;
  count: number;
  /** Price ranges only. */
  from?: number | null;
  to?: number | null;
  currency?: string;
}

export type SortOrder = 'relevance' | 'price_asc' | 'price_desc' | 'newest' | 'popularity';

export interface SearchResponse {
  queryId?: string;
  items: ProductCard[];
  total?: number;
  totalRelation?: 'eq' | 'gte';
  nextCursor: string | null;
  reranker?: string;
  correctedQuery?: string;
  didYouMean?: string;
  facets?: Record<string, FacetValue[]>;
}

export interface SearchFilters {
  category?: string[];
  brand?: string[];
  price?: { min?: number; max?: number };
  currency?: string;
  inStock?: boolean;
  attributes?: Record<string, string>;
}

export interface ProductImage {
  position: number;
  url: string;
  width: number | null;
  height: number | null;
}

export interface ExtractedAttribute {
  name: string;
  value: string;
  confidence: number;
  source: string;
}

export interface ProductDetail {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  brand: string | null;
  category: string | null;
  price: Money | null;
  inStock: boolean;
  createdAt?: string;
  updatedAt?: string;
  images: ProductImage[];
  attributes?: { catalog?: Record<string, unknown>; extracted?: ExtractedAttribute[] };
  approvedDescription?: { text: string; approvedAt: string } | null;
  links?: { similar?: string; ask?: string };
  translations?: Record<string, { title: string; description: string | null }>;
  /** Present when the request sent a locale: the tag title and description are in, or null. */
  locale?: string | null;
}

export interface Answer {
  answer: string;
  value: string | null;
  answered: boolean;
  confidence: number;
  source: string;
  questionType: string;
  explanation: string;
  heatmap?: { kind: string; prompt: string; png: string; width: number; height: number };
  evidence?: { field: string; text: string }[];
}

export interface Suggestion {
  text: string;
  type: 'title' | 'brand' | 'category' | 'query';
}

export interface ChatResponse {
  conversationId: string;
  message: string;
  products: ProductCard[];
  answer?: Answer & { productId: string };
  replyBy?: string;
}

export type EventType = 'click' | 'add_to_cart' | 'purchase';

// --- admin ---

export interface AdminProduct {
  id: string;
  sku: string;
  title: string;
  brand: string | null;
  category: string | null;
  price: Money | null;
  inStock: boolean;
  updatedAt: string;
  indexState: 'indexed' | 'pending' | 'failed';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ImportProgress {
  state: string;
  processed: number;
  total?: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: { line: number; message: string }[];
}

export interface JobProgress {
  runId?: string;
  state: string;
  step: string;
  done: number;
  total: number;
  failed?: number;
  etaSeconds?: number;
  collection?: string;
  failedReason?: string;
}

export interface IndexStatus {
  /** null before the first index exists. */
  collection: string | null;
  model: string;
  products: number;
  indexed: number;
  pending: number;
  failed: number;
  reindex: JobProgress | null;
}

export interface IndexFailure {
  productId: string;
  sku: string;
  title: string;
  reason: string;
  failedAt: string;
}

export interface PendingDescription {
  id: string;
  productId: string;
  text: string;
  style?: string;
  confidence?: number;
  createdAt?: string;
  productTitle?: string;
  title?: string;
  imageUrl?: string | null;
  product?: { title?: string; imageUrl?: string | null };
}

export interface SynonymSet {
  id: string;
  terms: string[];
}

export interface Analytics {
  from: string;
  to: string;
  searches: number;
  /** null when there were no searches in the window. */
  clickThroughRate: number | null;
  topQueries: { query: string; count: number; clicks: number; ctr: number }[];
  zeroResultQueries: { query: string; count: number }[];
  events: { click: number; add_to_cart: number; purchase: number };
}
