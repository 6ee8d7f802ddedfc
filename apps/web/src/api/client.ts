/** Every call the web pages make to the API: one typed function per route, errors as {@link ApiError}. */
import type {
  AdminProduct,
  Analytics,
  Answer,
  ChatResponse,
  EventType,
  ImportProgress,
  IndexFailure,
  IndexStatus,
  JobProgress,
  Page,
  PendingDescription,
  ProductDetail,
  SearchFilters,
  SearchResponse,
  SortOrder,
  Suggestion,
  SynonymSet,
} from './types';
import { shopperLocale } from './locale';

export * from './types';

/** An error answer of the API (`{ error: { code, message, details } }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const ADMIN_KEY = 'vitrine.adminKey';

/** The admin API key lives in sessionStorage: gone when the tab closes, never in a cookie the API would trust. */
export const adminKey = {
  get: (): string | null => sessionStorage.getItem(ADMIN_KEY),
  set: (key: string): void => sessionStorage.setItem(ADMIN_KEY, key),
  clear: (): void => sessionStorage.removeItem(ADMIN_KEY),
};

interface CallOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  admin?: boolean;
  signal?: AbortSignal;
}

async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) body = opts.form;
  if (opts.admin) headers['X-Api-Key'] = adminKey.get() ?? '';
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'The shop cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
      ?.error;
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? `${res.status} ${res.statusText}`,
      err?.details ?? {},
    );
  }
  return parsed as T;
}

function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface SearchParams {
  query?: string;
  filters: SearchFilters;
  sort: SortOrder;
  facets: string[];
  limit: number;
  cursor?: string;
}

/**
 * A text search. Sort and facets are newer than the search route: an API that refuses them (400 naming the
 * field) is asked again without them, so the page still shows results, without facets.
 */
export async function searchText(p: SearchParams, signal?: AbortSignal): Promise<SearchResponse> {
  const locale = shopperLocale();
  const body = {
    query: p.query,
    filters: p.filters,
    limit: p.limit,
    ...(p.cursor ? { cursor: p.cursor } : {}),
    ...(locale ? { locale } : {}),
  };
  try {
    return await call<SearchResponse>('/v1/search/text', {
      json: { ...body, sort: p.sort, facets: p.facets },
      signal,
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 400 && /facets|sort/.test(e.message))
      return call<SearchResponse>('/v1/search/text', { json: body, signal });
    throw e;
  }
}

/** Browsing without words: `GET /v1/products` with the same filters. */
export function browse(p: SearchParams, signal?: AbortSignal): Promise<SearchResponse> {
  const f = p.filters;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.attributes ?? {})) attrs[`attr.${k}`] = v;
  return call<SearchResponse>(
    '/v1/products' +
      query({
        category: f.category,
        brand: f.brand,
        inStock: f.inStock,
        priceMin: f.price?.min,
        priceMax: f.price?.max,
        currency: f.currency,
        sort: p.sort === 'relevance' ? undefined : p.sort,
        limit: p.limit,
        cursor: p.cursor,
        facets: p.facets.join(','),
        locale: shopperLocale(),
        ...attrs,
      }),
    { signal },
  );
}

/** First page of a picture search (multipart), or the next page with the previous answer's cursor alone. */
export function searchImage(
  input: { image: Blob; limit: number } | { cursor: string },
): Promise<SearchResponse> {
  if ('cursor' in input) return call('/v1/search/image', { json: { cursor: input.cursor } });
  const form = new FormData();
  form.append('image', input.image, input.image instanceof File ? input.image.name : 'picture');
  form.append('limit', String(input.limit));
  const locale = shopperLocale();
  if (locale) form.append('locale', locale);
  return call('/v1/search/image', { form });
}

export function suggest(q: string, signal?: AbortSignal): Promise<{ suggestions: Suggestion[] }> {
  return call('/v1/suggest' + query({ q, limit: 8 }), { signal });
}

export const product = (id: string): Promise<ProductDetail> =>
  call(`/v1/products/${encodeURIComponent(id)}${query({ locale: shopperLocale() })}`);

export const similar = (id: string, limit = 8): Promise<SearchResponse> =>
  call(`/v1/products/${encodeURIComponent(id)}/similar${query({ limit, locale: shopperLocale() })}`);

export const ask = (id: string, question: string): Promise<Answer> =>
  call(`/v1/products/${encodeURIComponent(id)}/ask`, { json: { question, heatmap: true } });

export const chat = (message: string, conversationId?: string): Promise<ChatResponse> =>
  call('/v1/chat', { json: { message, ...(conversationId ? { conversationId } : {}) } });

/** Shopper events feed analytics; a lost event must never break the page, so failures are only logged. */
export function sendEvent(e: {
  type: EventType;
  productId: string;
  queryId?: string;
  position?: number;
}): void {
  fetch('/v1/events', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(e),
    keepalive: true,
  }).catch((err: unknown) => console.warn('event not recorded', err));
}

// --- admin (X-Api-Key) ---

export const admin = {
  /** Checks a key against a cheap admin route. */
  verify: (): Promise<unknown> => call('/v1/admin/index/failures?limit=1', { admin: true }),
  products: (q: string, cursor?: string): Promise<Page<AdminProduct>> =>
    call('/v1/admin/products' + query({ q, cursor, limit: 25 }), { admin: true }),
  patchProduct: (id: string, patch: Record<string, unknown>): Promise<AdminProduct> =>
    call(`/v1/admin/products/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch, admin: true }),
  importFile: (file: File): Promise<{ jobId: string }> => {
    const form = new FormData();
    form.append('file', file, file.name);
    return call('/v1/admin/import', { form, admin: true });
  },
  importProgress: (jobId: string): Promise<ImportProgress> =>
    call(`/v1/admin/imports/${encodeURIComponent(jobId)}`, { admin: true }),
  index: (): Promise<IndexStatus> => call('/v1/admin/index', { admin: true }),
  reindex: (): Promise<{ jobId: string }> => call('/v1/admin/reindex', { method: 'POST', admin: true }),
  job: (id: string): Promise<JobProgress> =>
    call(`/v1/admin/jobs/${encodeURIComponent(id)}`, { admin: true }),
  failures: (): Promise<{ total: number; items: IndexFailure[] }> =>
    call('/v1/admin/index/failures?limit=50', { admin: true }),
  pendingDescriptions: (): Promise<Page<PendingDescription>> =>
    call('/v1/admin/descriptions?status=pending&limit=50', { admin: true }),
  generateDescriptions: (limit: number): Promise<{ generated: number; remaining: number }> =>
    call('/v1/admin/descriptions/generate-missing', { json: { style: 'short', limit }, admin: true }),
  review: (id: string, action: 'approve' | 'reject'): Promise<unknown> =>
    call(`/v1/admin/descriptions/${encodeURIComponent(id)}/${action}`, { json: {}, admin: true }),
  synonyms: (): Promise<{ items: SynonymSet[] }> => call('/v1/admin/synonyms', { admin: true }),
  createSynonyms: (terms: string[]): Promise<SynonymSet> =>
    call('/v1/admin/synonyms', { json: { terms }, admin: true }),
  updateSynonyms: (id: string, terms: string[]): Promise<SynonymSet> =>
    call(`/v1/admin/synonyms/${encodeURIComponent(id)}`, { method: 'PUT', json: { terms }, admin: true }),
  deleteSynonyms: (id: string): Promise<void> =>
    call(`/v1/admin/synonyms/${encodeURIComponent(id)}`, { method: 'DELETE', admin: true }),
  analytics: (days: number): Promise<Analytics> => call(`/v1/admin/analytics?days=${days}`, { admin: true }),
};
