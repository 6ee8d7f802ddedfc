import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  requestedLocale,
  TextSegmenter,
  type CatalogValues,
  type ProductSearchRepository,
} from '@vitrine/catalog';
import { DomainError, NotFoundError, ValidationError, type AppConfig } from '@vitrine/core';
import { dot, meanDirection, type EmbeddingProvider } from '@vitrine/embedding';
import {
  LiveIndex,
  PRODUCTS_ALIAS,
  searchBatch,
  VECTOR_NAMES,
  type StoredPoint,
  type VectorName,
  type VectorStore,
} from '@vitrine/vectors';
import {
  buildFacets,
  checkFacetNames,
  resolveFacets,
  type FacetAttributeSource,
  type FacetRequest,
} from './facets/facets';
import {
  resolveFilterValues,
  toCatalogFilter,
  toVectorFilter,
  validateFilters,
  type ResolvedFilters,
} from './filters/search-filters';
import { fuseRrf, type FusedCandidate, type RankedList } from './fusion/rrf';
import {
  cursorCarry,
  decodeCursor,
  decodeVector,
  encodeCursor,
  encodeVector,
  fingerprint,
  MAX_CARRIED_OPTIONS_CHARS,
  type CursorCarry,
} from './query/cursor';
import { highlightCard } from './query/highlights';
import { QueryEmbeddingCache } from './query/query-embedding-cache';
import { LiteralQueryUnderstanding, type QueryUnderstanding } from './query/query-understanding';
import type { SearchTuning } from './relevance/relevance-threshold';

export type { SearchTuning } from './relevance/relevance-threshold';
import type { EvidenceWeights, RerankCandidate, RerankQuery, Reranker } from './rerank/reranker';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_QUERY_CHARS,
  SORT_ORDERS,
  type BrowseRequest,
  type FacetValue,
  type SortOrder,
  type ImageSearchRequest,
  type RetrieverName,
  type SearchOptions,
  type ProductCard,
  type SearchPage,
  type SearchResultItem,
  type TextSearchRequest,
} from './search.types';

/** The payload fields the second stage reads (stock and popularity boosts): nothing else crosses the wire. */
const RERANK_PAYLOAD = ['inStock', 'attributes.popularity'];

/** Deepest result reachable by paging (the vector stores return at most 1000 hits per query). */
export const MAX_DEPTH = 1000;
const ALIAS_CHECK_MS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cosine above which two query embeddings count as the same reading (float noise of equal token ids). */
const SAME_EMBEDDING = 0.9999;
/** CJK characters a readability probe puts in place of a query's; the first one the query does not hold. */
const PROBE_FILLERS = '口丁乙';
/** How long the catalog's distinct values (filter resolution, currency rule, facet names) are reused. */
const CATALOG_VALUES_MS = 30_000;

/** Fetches an image URL's bytes with the SSRF guard (`SafeFetcher` from @vitrine/embedding). */
export interface ImageFetcher {
  fetch(url: string): Promise<{ readonly bytes: Uint8Array }>;
}

export interface SearchDependencies {
  readonly embedder: EmbeddingProvider;
  readonly store: VectorStore;
  /** The catalog's search queries (full-text candidates, cards), from @vitrine/catalog. */
  readonly catalog: ProductSearchRepository;
  readonly fetcher: ImageFetcher;
  readonly reranker: Reranker;
  /** Spelling, synonyms and highlights of text queries; default {@link LiteralQueryUnderstanding}. */
  readonly queryUnderstanding?: QueryUnderstanding;
  /** Attribute values known besides the catalog's (picture-read facts), for attribute facets. */
  readonly facetAttributes?: FacetAttributeSource;
}

/** Settings that are not configuration values. */
type Retriever =
  | { readonly source: 'image' | 'text'; readonly vector: Float32Array }
  | { readonly source: 'lexical'; readonly text: string; readonly localized?: boolean };

/** A search reduced to what the pipeline runs: first-stage retrievers and the second stage's view of the query. */
interface SearchPlan {
  readonly retrievers: readonly Retriever[];
  readonly rerankQuery: RerankQuery;
  readonly excludeIds: readonly string[];
  /** What identifies this result list for cursors. */
  readonly identity: unknown;
  /** Apply the relevance cutoff (word searches). */
  readonly cutoff: boolean;
  /** Words to highlight on the cards (text search). */
  readonly highlightTerms?: readonly string[];
  /** CJK words of the query to highlight where they occur in the card's text (no spaces mark their edges). */
  readonly highlightCjk?: readonly string[];
  /** What the cursors of this search carry (image search: its embedding). */
  readonly carry?: CursorCarry;
}

/** A candidate in its final order: the reranker's score and components, or the fused score without reranking. */
interface RankedCandidate {
  readonly id: string;
  readonly score: number;
  readonly components: Readonly<Record<string, number>> | undefined;
}

/** What the first stage found out about candidates, reused by the second. */
interface Evidence {
  readonly points: Map<string, StoredPoint>;
  readonly lexical: Map<string, number>;
  /** Each hit's cosine similarity to the query, per vector. */
  readonly similarity: Map<string, { image?: number; text?: number }>;
}

/** First-stage lists, what they tell about candidates, and whether any list stopped at its depth with more to give. */
interface Retrieved {
  readonly lists: RankedList[];
  readonly evidence: Evidence;
  readonly cut: boolean;
}

/** Where time went in one search, in milliseconds (the API logs it; the benchmark reports it). */
export interface SearchTimings {
  embedMs: number;
  retrieveMs: number;
  rerankMs: number;
  cardsMs: number;
}

/**
 * Product retrieval by words, by picture and by example. Each search is two stages:
 *
 * 1. **Retrieve**: the query's embedding against the products' `image` and `text` vectors, and (with words) a
 *    lexical match in PostgreSQL, all under the same filters, `SEARCH_CANDIDATES` each; fused by weighted
 *    reciprocal rank fusion.
 * 2. **Rerank** (unless turned off): the {@link Reranker} rescores the fused pool with exact evidence and
 *    business signals; then the requested page is cut and its product cards read in one query.
 *
 * Results past the first `SEARCH_CANDIDATES` (deep pages, or a `limit` above it) follow in first-stage order, from
 * lists retrieved as deep as paging reaches, so every page of a search comes from the same ranking.
 *
 * Errors are `DomainError`s: `VALIDATION_FAILED` (bad query, filters, limit or cursor), `NOT_FOUND`,
 * `MODEL_MISMATCH` (the index serves another model until a reindex finishes), and the embedding and fetch errors
 * of images (`UNSUPPORTED_MEDIA`, `IMAGE_INVALID`, `IMAGE_TOO_LARGE`, `FETCH_FORBIDDEN`, `FETCH_FAILED`, ...).
 */
export class SearchService {
  private readonly queryEmbeddings: QueryEmbeddingCache;
  private aliasCheck: { at: number; state: Promise<'ok' | 'missing'> } | undefined;
  private catalogValues: { at: number; values: Promise<CatalogValues> } | undefined;
  private readonly qu: QueryUnderstanding;
  private readonly segmenter = new TextSegmenter();

  constructor(
    private readonly deps: SearchDependencies,
    private readonly settings: AppConfig['search'],
    private readonly tuning: SearchTuning = {},
  ) {
    this.queryEmbeddings = new QueryEmbeddingCache(deps.embedder, settings.queryCacheSize);
    this.qu = deps.queryUnderstanding ?? new LiteralQueryUnderstanding();
  }

  /** Products matching words: both vectors of each product plus lexical evidence. */
  async searchText(request: TextSearchRequest, timings?: SearchTimings): Promise<SearchPage> {
    const query = checkQuery(request.query, 'query');
    const t = timings ?? newTimings();
    const started = performance.now();
    const locale = requestedLocale(request.locale);
    const rewrite = await this.qu.rewrite(query);
    const { vector } = await this.queryEmbeddings.embed(rewrite.embeddingQuery);
    const cjk = TextSegmenter.hasCjk(rewrite.lexicalQuery);
    // A model that reads the query's CJK as unknown tokens places it wherever unknown tokens go (the demo model:
    // next to padlocks): its vectors are no evidence, and only the words match. A caller that turned the cutoff off
    // (the assistant's search tool, whose filters carry what the shopper asked) still gets the products in reach.
    const cutoff = request.relevanceCutoff ?? true;
    const unread = cjk && cutoff && (await this.cannotRead(rewrite.embeddingQuery, vector));
    t.embedMs += performance.now() - started;
    const lexical: Retriever = {
      source: 'lexical',
      text: rewrite.lexicalQuery,
      ...(locale !== undefined ? { localized: true } : {}),
    };
    const retrievers: Retriever[] = unread
      ? [lexical]
      : [{ source: 'image', vector }, { source: 'text', vector }, lexical];
    const page = await this.run(
      {
        retrievers,
        rerankQuery: {
          text: rewrite.lexicalQuery,
          vectors: unread ? {} : { image: vector, text: vector },
          weights: weightsFor(retrievers, this.settings.weights),
        },
        excludeIds: [],
        identity: ['text', rewrite.embeddingQuery, rewrite.lexicalQuery, locale ?? null],
        cutoff,
        highlightTerms: rewrite.terms,
        ...(cjk ? { highlightCjk: this.segmenter.segmentCjk(rewrite.lexicalQuery, 'query').words } : {}),
      },
      request,
      t,
    );
    return {
      ...page,
      ...(rewrite.corrected !== undefined ? { correctedQuery: rewrite.corrected } : {}),
      ...(page.total === 0 && rewrite.suggestion !== undefined ? { didYouMean: rewrite.suggestion } : {}),
    };
  }

  /**
   * Products that look like a picture (uploaded bytes or a URL fetched through the SSRF guard), optionally steered
   * by words: the picture's and the words' embeddings are summed ("like this, but in red"), and the words also
   * match lexically.
   */
  async searchImage(request: ImageSearchRequest, timings?: SearchTimings): Promise<SearchPage> {
    const t = timings ?? newTimings();
    const continued = request.image === undefined && request.imageUrl === undefined && !!request.cursor;
    if (!continued && (request.image === undefined) === (request.imageUrl === undefined))
      throw new ValidationError('give exactly one of an image upload or imageUrl (or the cursor of a page)', {
        field: 'image',
      });
    let query: string | undefined;
    let code: string;
    // The options of the first page, carried by its cursors; what the request states itself wins (and a
    // difference makes the cursor another search's, refused).
    let options: SearchOptions = request;
    if (continued) {
      // The cursor carries the embedding and words of the first page: the picture is not needed again.
      const carry = cursorCarry(request.cursor);
      if (carry.v === undefined)
        throw new ValidationError('this cursor is not an image search cursor; send the image again', {
          field: 'cursor',
        });
      if (request.query !== undefined && request.query.trim() !== (carry.q ?? ''))
        throw new ValidationError('query differs from the one the cursor continues', { field: 'query' });
      code = carry.v;
      query = carry.q;
      options = { ...(carry.s as SearchOptions | undefined), ...definedOptions(request) };
    } else {
      query = request.query === undefined ? undefined : checkQuery(request.query, 'query');
      const started = performance.now();
      const bytes = request.image ?? (await this.deps.fetcher.fetch(request.imageUrl!)).bytes;
      const [image, words] = await Promise.all([
        this.deps.embedder.embedImage(bytes),
        query === undefined ? undefined : this.queryEmbeddings.embed(query),
      ]);
      t.embedMs += performance.now() - started;
      code = encodeVector(words ? meanDirection([image.vector, words.vector]) : image.vector);
    }
    // Every page searches with the vector as the cursor carries it (8 bits a dimension), the first one included.
    const vector = decodeVector(code);
    const retrievers: Retriever[] = [
      { source: 'image', vector },
      { source: 'text', vector },
      ...(query
        ? [
            {
              source: 'lexical' as const,
              text: query,
              ...(options.locale !== undefined ? { localized: true } : {}),
            },
          ]
        : []),
    ];
    return this.run(
      {
        retrievers,
        rerankQuery: {
          ...(query ? { text: query } : {}),
          vectors: { image: vector, text: vector },
          weights: weightsFor(retrievers, this.settings.weights),
        },
        excludeIds: [],
        identity: ['image', code, query ?? null],
        cutoff: false,
        carry: { v: code, ...(query !== undefined ? { q: query } : {}), ...carriedOptions(options) },
      },
      options,
      t,
    );
  }

  /** Products nearest to a product's own vectors (picture to pictures, description to descriptions), not itself. */
  async similar(
    productId: string,
    options: SearchOptions = {},
    timings?: SearchTimings,
  ): Promise<SearchPage> {
    if (!UUID.test(productId)) throw new NotFoundError('product', productId);
    const id = productId.toLowerCase();
    const [point] = await this.getPoints([id], VECTOR_NAMES);
    if (!point?.vectors) {
      const [card] = await this.deps.catalog.cards([id]);
      if (!card) throw new NotFoundError('product', productId);
      throw new DomainError('CONFLICT', `product ${productId} is not indexed yet; try again shortly`, {
        id: productId,
      });
    }
    const { image, text } = point.vectors;
    const retrievers: Retriever[] = [
      ...(image ? [{ source: 'image' as const, vector: image }] : []),
      ...(text ? [{ source: 'text' as const, vector: text }] : []),
    ];
    return this.run(
      {
        retrievers,
        rerankQuery: {
          vectors: { ...(image ? { image } : {}), ...(text ? { text } : {}) },
          weights: weightsFor(retrievers, this.settings.weights),
        },
        excludeIds: [id],
        identity: ['similar', id],
        cutoff: false,
      },
      options,
      timings ?? newTimings(),
    );
  }

  /** The stored URI of a product's image (for the API's image route). */
  async productImageUri(productId: string, position: number): Promise<string> {
    const uri = UUID.test(productId) ? await this.deps.catalog.imageUri(productId, position) : undefined;
    if (uri === undefined) throw new NotFoundError('image', `${productId}/${position}`);
    return uri;
  }

  /**
   * Whether the model reads `text`'s CJK characters as nothing it knows: the embedding is the same (cosine ≥
   * {@link SAME_EMBEDDING}) when every CJK character is replaced by another one. A model that reads the script
   * tells 红色的鞋 from 口口口口; one that maps both to unknown tokens cannot. The probe's embedding is cached
   * like any query's.
   */
  private async cannotRead(text: string, vector: Float32Array): Promise<boolean> {
    const filler = [...PROBE_FILLERS].find((c) => !text.includes(c));
    if (filler === undefined) return false;
    const probe = text.replace(
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu,
      filler,
    );
    if (probe === text) return false;
    const { vector: other } = await this.queryEmbeddings.embed(probe);
    return dot(vector, other) >= SAME_EMBEDDING;
  }

  /** Readiness of the catalog side: runs search's own catalog statements (see `ProductSearchRepository.probe`). */
  async probeCatalog(): Promise<void> {
    await this.deps.catalog.probe();
  }

  /**
   * Readiness of the vector side: resolves the live collection as searches do, checks it holds this model's
   * vectors, and runs a one-hit nearest-neighbour read on it. Throws whenever searches would; a missing alias
   * (nothing indexed yet: searches answer empty) is ready, with `collection: null`.
   */
  async probeVectors(): Promise<{ collection: string | null; points?: number }> {
    if ((await this.aliasState()) === 'missing') return { collection: null };
    const collection = await this.deps.store.resolveAlias(PRODUCTS_ALIAS);
    const info = collection === undefined ? undefined : await this.deps.store.collectionInfo(collection);
    if (collection === undefined || info === undefined)
      throw new DomainError('UNAVAILABLE', `the search alias points at a collection that does not exist`, {
        collection,
      });
    const query = new Float32Array(info.dim);
    query[0] = 1;
    for (const vector of info.vectors)
      await this.deps.store.search(PRODUCTS_ALIAS, { vector, query, limit: 1 });
    return { collection, points: info.count };
  }

  /** Query-embedding cache counters. */
  cacheStats(): ReturnType<QueryEmbeddingCache['stats']> {
    return this.queryEmbeddings.stats();
  }

  /**
   * Browsing without a query: products matching the filters in `sort` order (default newest), with facets over
   * all of them and the same paging as searches. Every matching product is a result (`total` is exact).
   */
  async browse(request: BrowseRequest = {}): Promise<SearchPage> {
    const limit = checkLimit(request.limit);
    const filters = validateFilters(request.filters);
    const sort = checkSort(request.sort, 'newest');
    if (sort === 'relevance')
      throw new ValidationError(
        'sort relevance needs a query; browse by price_asc, price_desc, newest or popularity',
        {
          field: 'sort',
        },
      );
    const facetNames = checkFacetNames(request.facets);
    const locale = requestedLocale(request.locale);
    const cursorKey = fingerprint(['browse', filters, sort]);
    const offset = decodeCursor(request.cursor, cursorKey);
    const queryId = queryIdOf(request.cursor);
    const values = await this.values();
    const resolved = resolveFilterValues(filters, values);
    const facets = facetNames ? resolveFacets(facetNames, values, await this.facetSourceNames()) : undefined;
    const catalogFilter = toCatalogFilter(resolved.filters);
    const [{ ids, total }, facetValues] = await Promise.all([
      this.deps.catalog.browse(catalogFilter, sort, offset, limit),
      facets ? this.countFacets(facets, { filter: catalogFilter }) : undefined,
    ]);
    const cards = await this.deps.catalog.cards(ids, locale !== undefined ? { locale } : {});
    const end = offset + ids.length;
    return {
      queryId,
      items: cards.map((c) => ({ ...c, score: 0 })),
      total,
      totalRelation: 'eq',
      nextCursor: end < total && ids.length > 0 ? encodeCursor(end, cursorKey, { id: queryId }) : null,
      reranker: 'none',
      ...(facetValues ? { facets: facetValues } : {}),
    };
  }

  private async run(plan: SearchPlan, options: SearchOptions, t: SearchTimings): Promise<SearchPage> {
    const limit = checkLimit(options.limit);
    const filters = validateFilters(options.filters);
    const sort = checkSort(options.sort, 'relevance');
    const facetNames = checkFacetNames(options.facets);
    const locale = requestedLocale(options.locale);
    const rerank = options.rerank ?? this.settings.rerank;
    const cursorKey = fingerprint([plan.identity, filters, rerank, sort, plan.cutoff]);
    const offset = decodeCursor(options.cursor, cursorKey);
    const queryId = queryIdOf(options.cursor);
    const values = await this.values();
    const resolved = resolveFilterValues(filters, values, options.requireCurrency ?? false);
    const facets = facetNames ? resolveFacets(facetNames, values, await this.facetSourceNames()) : undefined;
    const window = Math.min(offset + limit, MAX_DEPTH);
    const head = Math.min(MAX_DEPTH, this.settings.candidates);

    // The head: the best `head` of the first stage, reranked. It depends on nothing but the search, so every page
    // of it sees the same ranking. Candidates without evidence of relevance are dropped before anything else.
    let started = performance.now();
    const first = await this.retrieve(plan, resolved, head, rerank);
    const fused = fuseRrf(first.lists, this.settings.rrfK).filter((c) =>
      this.relevant(plan, c.id, first.evidence),
    );
    t.retrieveMs += performance.now() - started;
    const firstStage = new Map(fused.map((c) => [c.id, c]));
    let cut = first.cut;

    // The whole relevant set, when the head is not all of it and something needs it: facets, another order, or a
    // page past the head. Lists retrieved as deep as paging reaches: the same lists for every deeper page, so pages
    // neither repeat nor skip results (a pool sized by the page would rank differently).
    let all: FusedCandidate[] = fused;
    if (cut && (facets !== undefined || sort !== 'relevance' || window > Math.min(fused.length, head))) {
      started = performance.now();
      const deep = await this.retrieve(plan, resolved, MAX_DEPTH, false);
      all = fuseRrf(deep.lists, this.settings.rrfK).filter((c) => this.relevant(plan, c.id, deep.evidence));
      for (const c of all) if (!firstStage.has(c.id)) firstStage.set(c.id, c);
      cut = deep.cut;
      t.retrieveMs += performance.now() - started;
    }

    started = performance.now();
    let ranked: RankedCandidate[];
    if (sort === 'relevance') {
      const pooled = fused.slice(0, head);
      ranked = rerank
        ? await this.rerank(plan, pooled, first.evidence, options.explain === true)
        : pooled.map((c) => ({ id: c.id, score: c.rrf, components: undefined }));
      const seen = new Set(pooled.map((c) => c.id));
      // Past the head, first-stage order.
      for (const c of all)
        if (!seen.has(c.id)) ranked.push({ id: c.id, score: c.rrf, components: undefined });
    } else {
      const order = await this.deps.catalog.order(
        all.map((c) => c.id),
        sort,
      );
      ranked = order.map((id) => ({ id, score: firstStage.get(id)!.rrf, components: undefined }));
    }
    t.rerankMs += performance.now() - started;

    started = performance.now();
    const [{ page, cards, end }, facetValues] = await Promise.all([
      offset >= window
        ? { page: [], cards: [], end: offset }
        : this.pageCards(ranked, offset, window, {
            description: plan.highlightTerms !== undefined,
            ...(locale !== undefined ? { locale } : {}),
          }),
      facets ? this.countFacets(facets, { ids: all.map((c) => c.id) }) : undefined,
    ]);
    t.cardsMs += performance.now() - started;
    const items: SearchResultItem[] = [];
    for (const card of cards) {
      const r = page.find((p) => p.id === card.id)!;
      const first = firstStage.get(card.id)!;
      const { description, ...shown } = card;
      // On the text the card shows: the translation when it is in the asked locale.
      const highlights = plan.highlightTerms
        ? highlightCard(this.qu, card.title, description, plan.highlightTerms, plan.highlightCjk)
        : undefined;
      items.push({
        ...shown,
        score: r.score,
        ...(highlights ? { highlights } : {}),
        ...(options.explain
          ? {
              explain: {
                firstStage: { rrf: first.rrf, ranks: first.ranks },
                ...(r.components ? { rerank: r.components } : {}),
              },
            }
          : {}),
      });
    }
    const mayHaveMore = ranked.length > end || cut;
    const nextCursor =
      mayHaveMore && end < MAX_DEPTH && offset < window
        ? encodeCursor(end, cursorKey, { ...plan.carry, id: queryId })
        : null;
    return {
      queryId,
      items,
      total: ranked.length,
      totalRelation: cut ? 'gte' : 'eq',
      nextCursor,
      reranker: this.rerankerName(rerank),
      ...(facetValues ? { facets: facetValues } : {}),
    };
  }

  /**
   * The relevance cutoff: a candidate of a word search is kept when its words match the query (it is in the
   * full-text list, which holds every match up to its depth) or one of its vectors is at least as similar to the
   * query as the model's calibrated threshold.
   */
  private relevant(plan: SearchPlan, id: string, evidence: Evidence): boolean {
    const min = this.tuning.minSimilarity;
    if (!plan.cutoff || min === undefined) return true;
    if (evidence.lexical.has(id)) return true;
    const s = evidence.similarity.get(id);
    if (!s) return false;
    return (
      (min.image !== undefined && s.image !== undefined && s.image >= min.image) ||
      (min.text !== undefined && s.text !== undefined && s.text >= min.text)
    );
  }

  private async countFacets(
    facets: readonly FacetRequest[],
    set: { readonly ids: readonly string[] } | { readonly filter: ReturnType<typeof toCatalogFilter> },
  ): Promise<Record<string, FacetValue[]>> {
    // Nothing relevant: nothing to count (a query without evidence costs no aggregate).
    if ('ids' in set && set.ids.length === 0)
      return buildFacets(facets, { values: {}, price: {}, attributes: {} }, []);
    const attributes = facets.flatMap((f) => (f.attribute ? [f.attribute] : []));
    const source = this.deps.facetAttributes;
    const [counts, extra] = await Promise.all([
      this.deps.catalog.facets(
        set,
        facets.map((f) => f.field),
      ),
      // Values from pictures need the product ids; for a browse they are the filter's products.
      source && attributes.length > 0 && 'ids' in set ? source.values(set.ids, attributes) : [],
    ]);
    return buildFacets(facets, counts, extra);
  }

  private async facetSourceNames(): Promise<readonly string[]> {
    return this.deps.facetAttributes ? this.deps.facetAttributes.names() : [];
  }

  /** The catalog's distinct values, re-read at most every {@link CATALOG_VALUES_MS}. */
  private values(): Promise<CatalogValues> {
    const now = Date.now();
    if (!this.catalogValues || now - this.catalogValues.at > CATALOG_VALUES_MS) {
      const values = this.deps.catalog.values();
      this.catalogValues = { at: now, values };
      values.catch(() => (this.catalogValues = undefined));
    }
    return this.catalogValues.values;
  }

  /**
   * The cards of `ranked[offset, window)`. A product deleted from the catalog keeps its vectors until the indexer
   * runs its delete job (at once embedded; with workers, whenever one gets to it): such hits have no card, and
   * the page is filled from further down the ranking instead of coming back short. `end` is where the next page
   * starts.
   */
  private async pageCards(
    ranked: readonly RankedCandidate[],
    offset: number,
    window: number,
    options: { readonly description: boolean; readonly locale?: string },
  ): Promise<{ page: RankedCandidate[]; cards: ProductCard[]; end: number }> {
    const want = window - offset;
    const page = ranked.slice(offset, window);
    const cards = await this.deps.catalog.cards(
      page.map((r) => r.id),
      options,
    );
    let end = offset + page.length;
    while (cards.length < want && end < Math.min(ranked.length, MAX_DEPTH)) {
      const more = ranked.slice(end, Math.min(end + want - cards.length, MAX_DEPTH));
      end += more.length;
      page.push(...more);
      cards.push(
        ...(await this.deps.catalog.cards(
          more.map((r) => r.id),
          options,
        )),
      );
    }
    return { page, cards, end };
  }

  private rerankerName(rerank: boolean): string {
    return rerank ? this.deps.reranker.name : 'none';
  }

  /**
   * Runs the first-stage retrievers in parallel under the same filters. Besides the ranked lists it keeps what
   * the second stage needs and the retrievers already produced: the hits' stored vectors and payloads (stock,
   * popularity) and the lexical scores, so reranking rarely needs another round trip.
   */
  private async retrieve(
    plan: SearchPlan,
    resolved: ResolvedFilters,
    pool: number,
    withEvidence: boolean,
  ): Promise<Retrieved> {
    const evidence: Evidence = { points: new Map(), lexical: new Map(), similarity: new Map() };
    if ((await this.aliasState()) === 'missing') return { lists: [], evidence, cut: false };
    const vectorFilter = toVectorFilter(resolved.filters, plan.excludeIds, resolved.vectorAttributes);
    const min = plan.cutoff ? this.tuning.minSimilarity : undefined;
    let cut = false;
    const w = plan.rerankQuery.weights ?? this.settings.weights;
    // A retriever whose evidence counts for nothing would only cost a search.
    const active = plan.retrievers.filter((r) => w[r.source] > 0);
    const vectorRetrievers = active.filter(
      (r): r is Extract<Retriever, { vector: Float32Array }> => r.source !== 'lexical',
    );
    // The vector retrievers' queries go to the store as one batch (one round trip with Qdrant), without vectors:
    // the hits carry the payload fields the reranker reads; vectors are read later, only the kinds it needs.
    const [vectorHits, lexicalList] = await Promise.all([
      searchBatch(
        this.deps.store,
        PRODUCTS_ALIAS,
        vectorRetrievers.map((r) => ({
          vector: r.source,
          query: r.vector,
          limit: pool,
          filter: vectorFilter,
          ...(withEvidence ? { payloadFields: RERANK_PAYLOAD } : { payloadFields: [] }),
        })),
      ),
      (async (): Promise<RankedList | undefined> => {
        const r = active.find((x) => x.source === 'lexical');
        if (!r || r.source !== 'lexical') return undefined;
        const hits = await this.deps.catalog.lexicalSearch(
          r.text,
          toCatalogFilter(resolved.filters, plan.excludeIds),
          pool,
          r.localized ? { localized: true } : {},
        );
        for (const h of hits) evidence.lexical.set(h.id, h.score);
        if (hits.length >= pool) cut = true;
        return { source: 'lexical', ids: hits.map((h) => h.id), weight: w.lexical };
      })(),
    ]);
    const lists: RankedList[] = vectorRetrievers.map((r, i) => {
      const hits = vectorHits[i]!;
      if (withEvidence) for (const h of hits) if (!evidence.points.has(h.id)) evidence.points.set(h.id, h);
      for (const h of hits) {
        const s = evidence.similarity.get(h.id) ?? {};
        s[r.source] = h.score;
        evidence.similarity.set(h.id, s);
      }
      // A full list may have more beyond it, unless its last hit is already below the cutoff (hits come best
      // first, so everything past it would be cut too).
      const threshold = min?.[r.source];
      if (
        hits.length >= pool &&
        (min === undefined || (threshold !== undefined && hits.at(-1)!.score >= threshold))
      )
        cut = true;
      return { source: r.source, ids: hits.map((h) => h.id), weight: w[r.source] };
    });
    if (lexicalList) lists.push(lexicalList);
    return { lists, evidence, cut };
  }

  private async rerank(
    plan: SearchPlan,
    pooled: readonly { id: string; rrf: number; ranks: Partial<Record<RetrieverName, number>> }[],
    evidence: Evidence,
    explain: boolean,
  ): Promise<RankedCandidate[]> {
    // One read for the pooled candidates: the vector kinds the reranker compares (a query vector of that kind with
    // a weight, or the image vectors MMR diversifies on; every kind when the score is explained), and the payload
    // of those only the lexical side found.
    const w = plan.rerankQuery.weights ?? this.settings.weights;
    const names = VECTOR_NAMES.filter(
      (k: VectorName) =>
        plan.rerankQuery.vectors[k] &&
        (explain || w[k] > 0 || (k === 'image' && this.settings.mmrLambda < 1)),
    );
    const read =
      names.length > 0
        ? pooled.map((c) => c.id)
        : pooled.filter((c) => !evidence.points.has(c.id)).map((c) => c.id);
    for (const p of await this.getPoints(read, names)) {
      const known = evidence.points.get(p.id);
      evidence.points.set(p.id, known ? { ...known, ...(p.vectors ? { vectors: p.vectors } : {}) } : p);
    }
    const candidates: RerankCandidate[] = [];
    for (const c of pooled) {
      const point = evidence.points.get(c.id);
      // Without a point (a product not indexed yet, or whose pictures all failed) only its words are known: the
      // reranker counts its vectors as average, and it gets no stock or popularity boost.
      const popularity = point?.payload.attributes?.popularity;
      candidates.push({
        id: c.id,
        firstStage: { rrf: c.rrf, ranks: c.ranks },
        vectors: point?.vectors ?? {},
        // The lexical list holds every match up to the pool size: a candidate outside it did not match.
        lexical: evidence.lexical.get(c.id) ?? 0,
        inStock: point ? (point.payload.inStock ?? true) : false,
        popularity: typeof popularity === 'number' && popularity >= 0 ? popularity : undefined,
      });
    }
    const reranked = await this.deps.reranker.rerank(plan.rerankQuery, candidates, candidates.length);
    return reranked.map((r) => ({ id: r.id, score: r.score, components: r.components }));
  }

  private async getPoints(
    ids: readonly string[],
    vectorNames: readonly VectorName[],
  ): Promise<StoredPoint[]> {
    if (ids.length === 0 || (await this.aliasState()) === 'missing') return [];
    return this.deps.store.get(PRODUCTS_ALIAS, ids, {
      withVectors: vectorNames.length > 0,
      vectorNames,
      payloadFields: RERANK_PAYLOAD,
    });
  }

  /**
   * Whether the alias exists and serves this model's vectors (the one live-index check, `LiveIndex`), re-checked at
   * most once a second. A missing alias means nothing was indexed yet (empty results); another model's vectors
   * cannot be compared with our queries (`MODEL_MISMATCH`, transient: the reindex to our model ends it).
   */
  private async aliasState(): Promise<'ok' | 'missing'> {
    const now = Date.now();
    if (!this.aliasCheck || now - this.aliasCheck.at > ALIAS_CHECK_MS) {
      const state = new LiveIndex(this.deps.store, this.deps.embedder.modelId)
        .require()
        .then((live) => (live === undefined ? ('missing' as const) : ('ok' as const)));
      this.aliasCheck = { at: now, state };
      // A failed check must not be cached as a rejection for a whole second of requests.
      state.catch(() => (this.aliasCheck = undefined));
    }
    return this.aliasCheck.state;
  }
}

/**
 * The configured weights, except where they would leave a search without evidence: a product without a picture
 * (similar products) is compared by its text vector even when text vectors count for nothing by default.
 */
function weightsFor(retrievers: readonly Retriever[], configured: EvidenceWeights): EvidenceWeights {
  if (retrievers.some((r) => configured[r.source] > 0)) return configured;
  const fallback = { image: 0, text: 0, lexical: 0 };
  for (const r of retrievers) fallback[r.source] = 1;
  return fallback;
}

/** The request's options that are set (an undefined key must not hide a carried one). */
function definedOptions(request: SearchOptions): SearchOptions {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
}

/** What an image cursor carries of the options that shape the result list, when it fits. */
function carriedOptions(options: SearchOptions): { s?: Record<string, unknown> } {
  const s = {
    ...(options.filters !== undefined ? { filters: options.filters } : {}),
    ...(options.sort !== undefined ? { sort: options.sort } : {}),
    ...(options.rerank !== undefined ? { rerank: options.rerank } : {}),
    ...(options.facets !== undefined ? { facets: options.facets } : {}),
    ...(options.requireCurrency !== undefined ? { requireCurrency: options.requireCurrency } : {}),
    ...(options.locale !== undefined ? { locale: options.locale } : {}),
  };
  if (Object.keys(s).length === 0 || JSON.stringify(s).length > MAX_CARRIED_OPTIONS_CHARS) return {};
  return { s };
}

/** The first page's `queryId` for a later page (its cursor carries it), a new one for a first page. */
function queryIdOf(cursor: string | undefined): string {
  return (cursor ? cursorCarry(cursor).id : undefined) ?? randomUUID();
}

function newTimings(): SearchTimings {
  return { embedMs: 0, retrieveMs: 0, rerankMs: 0, cardsMs: 0 };
}

function checkQuery(raw: unknown, field: string): string {
  if (typeof raw !== 'string') throw new ValidationError(`${field} must be a string`, { field });
  const query = raw.trim();
  if (query === '') throw new ValidationError(`${field} must not be empty`, { field });
  if (query.length > MAX_QUERY_CHARS)
    throw new ValidationError(`${field} is longer than ${MAX_QUERY_CHARS} characters`, {
      field,
      max: MAX_QUERY_CHARS,
    });
  return query;
}

function checkSort(raw: SortOrder | undefined, fallback: SortOrder): SortOrder {
  if (raw === undefined) return fallback;
  if (!(SORT_ORDERS as readonly string[]).includes(raw))
    throw new ValidationError(`sort must be one of ${SORT_ORDERS.join(', ')}`, { field: 'sort' });
  return raw;
}

function checkLimit(raw: number | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(raw) || raw < 1 || raw > MAX_LIMIT)
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, {
      field: 'limit',
      max: MAX_LIMIT,
    });
  return raw;
}
