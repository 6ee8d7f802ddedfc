import type {
  CatalogValues,
  LexicalHit,
  ProductFilter,
  ProductSearchRepository,
  ProductSort,
} from '@vitrine/catalog';
import { DomainError, loadConfig, type AppConfig } from '@vitrine/core';
import type { Embedding, EmbeddingProvider, EmbeddingStats, ImageOutcome } from '@vitrine/embedding';
import {
  PRODUCTS_ALIAS,
  collectionNameFor,
  type CollectionInfo,
  type IdPage,
  type PointInput,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type VectorFilter,
  type VectorName,
  type VectorStore,
} from '@vitrine/vectors';
import type { RerankCandidate, RerankedCandidate, Reranker } from './rerank/reranker';
import { SearchService, type ImageFetcher, type SearchDependencies } from './search.service';
import type { ProductCard, SearchFilters, SearchPage } from './search.types';

// SearchService on in-memory fakes of its ports (embedding model, vector store, catalog queries, reranker): no
// database, no model. The fakes compute what the real adapters compute (cosine ranking, filters, lexical matches,
// cards of existing products only) on a handful of products whose expected order is worked out by hand.

const DIM = 5;
const MODEL_ID = 'fake-clip@0123456789ab';

/** A unit vector whose cosine with axis `axis` is `cos` (the rest on the last axis, which no query uses). */
function near(axis: number, cos: number): Float32Array {
  const v = new Float32Array(DIM);
  v[axis] = cos;
  v[DIM - 1] = Math.sqrt(1 - cos * cos);
  return v;
}

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The "model": each known query text points along one axis; a picture's first byte names its axis. */
class FakeEmbedder implements EmbeddingProvider {
  readonly modelId = MODEL_ID;
  readonly dim = DIM;
  constructor(private readonly queries: Readonly<Record<string, number>>) {}

  embedText(text: string): Promise<Embedding> {
    const axis = this.queries[text];
    if (axis === undefined) throw new Error(`the fake model knows no query "${text}"`);
    return Promise.resolve({ modelId: MODEL_ID, vector: near(axis, 1) });
  }
  embedImage(image: Uint8Array): Promise<Embedding> {
    return Promise.resolve({ modelId: MODEL_ID, vector: near(image[0] ?? 0, 1) });
  }
  embedTexts(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embedText(t)));
  }
  embedImages(images: readonly Uint8Array[]): Promise<Embedding[]> {
    return Promise.all(images.map((i) => this.embedImage(i)));
  }
  async embedImagesSettled(images: readonly Uint8Array[]): Promise<ImageOutcome[]> {
    return (await this.embedImages(images)).map((embedding) => ({ ok: true as const, embedding }));
  }
  stats(): EmbeddingStats {
    const side = { items: 0, batches: 0, inferenceMs: 0 };
    return { texts: { ...side, tokenizeMs: 0 }, images: { ...side, failed: 0, decodeMs: 0 }, pending: 0 };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

/** Exact cosine search over a map, with the filter keys search sends; any other key fails the test. */
class FakeVectorStore implements VectorStore {
  readonly points = new Map<string, PointInput>();
  readonly aliases = new Map<string, string>();
  readonly requests: SearchRequest[] = [];

  search(collection: string, request: SearchRequest): Promise<SearchHit[]> {
    this.target(collection);
    this.requests.push(request);
    const query = Float32Array.from(request.query);
    const hits: SearchHit[] = [];
    for (const p of this.points.values()) {
      const v = p.vectors[request.vector];
      if (v === undefined || !matches(p, request.filter)) continue;
      hits.push({ ...this.stored(p, request.withVectors), score: dot(query, Float32Array.from(v)) });
    }
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    const from = request.offset ?? 0;
    return Promise.resolve(hits.slice(from, from + request.limit));
  }
  get(collection: string, ids: readonly string[], o?: { withVectors?: boolean }): Promise<StoredPoint[]> {
    this.target(collection);
    const found = ids.flatMap((i) => this.points.get(i) ?? []);
    return Promise.resolve(found.map((p) => this.stored(p, o?.withVectors)));
  }
  resolveAlias(alias: string): Promise<string | undefined> {
    return Promise.resolve(this.aliases.get(alias));
  }
  switchAlias(alias: string, collection: string): Promise<void> {
    this.aliases.set(alias, collection);
    return Promise.resolve();
  }
  upsert(_collection: string, points: readonly PointInput[]): Promise<void> {
    for (const p of points) this.points.set(p.id, p);
    return Promise.resolve();
  }
  collectionInfo(collection: string): Promise<CollectionInfo | undefined> {
    const name = this.target(collection);
    return Promise.resolve({ name, dim: DIM, vectors: ['image', 'text'], count: this.points.size });
  }
  ensureCollection = unused('ensureCollection');
  listCollections = unused('listCollections');
  dropCollection = unused('dropCollection');
  delete = unused('delete');
  count = unused('count');
  scrollIds = unused<IdPage>('scrollIds');
  listAliases = unused('listAliases');
  deleteAlias = unused('deleteAlias');
  ping = () => Promise.resolve();
  close = () => Promise.resolve();

  private target(collection: string): string {
    const name = this.aliases.get(collection) ?? collection;
    if (!name.startsWith('products__')) throw new Error(`no collection ${collection}`);
    return name;
  }
  private stored(p: PointInput, withVectors?: boolean): StoredPoint {
    const vectors: Partial<Record<VectorName, Float32Array>> = {};
    for (const name of ['image', 'text'] as const) {
      const v = p.vectors[name];
      if (v !== undefined) vectors[name] = Float32Array.from(v);
    }
    return { id: p.id, payload: p.payload, ...(withVectors ? { vectors } : {}) };
  }
}

function unused<T = never>(name: string): () => Promise<T> {
  return () => Promise.reject(new Error(`SearchService does not call VectorStore.${name}`));
}

function matches(p: PointInput, filter: VectorFilter | undefined): boolean {
  if (filter === undefined) return true;
  for (const key of Object.keys(filter))
    if (!['category', 'inStock', 'price', 'currency', 'excludeIds'].includes(key))
      throw new Error(`the fake store does not filter on ${key}`);
  const { category, inStock, price, currency, excludeIds } = filter;
  if (currency !== undefined && p.payload.currency !== currency) return false;
  const c = p.payload.category;
  if (category !== undefined && !(typeof category === 'string' ? [category] : category.in).includes(c ?? ''))
    return false;
  if (inStock !== undefined && p.payload.inStock !== inStock) return false;
  const amount = p.payload.price;
  if (price !== undefined && typeof price === 'object') {
    if (amount === undefined) return false;
    if ((price.gte !== undefined && amount < price.gte) || (price.lte !== undefined && amount > price.lte))
      return false;
  }
  return !excludeIds?.includes(p.id);
}

interface CatalogProduct {
  readonly card: ProductCard;
  readonly price: number;
}

/** The catalog queries search runs: word matches (share of the query's words in the title) and cards. */
class FakeCatalog {
  readonly products = new Map<string, CatalogProduct>();
  readonly lexicalCalls: { query: string; filter: ProductFilter }[] = [];

  lexicalSearch(query: string, filter: ProductFilter, limit: number): Promise<LexicalHit[]> {
    this.lexicalCalls.push({ query, filter });
    const words = query.toLowerCase().split(/\s+/);
    const hits: LexicalHit[] = [];
    for (const { card, price } of this.products.values()) {
      if (filter.excludeIds?.includes(card.id)) continue;
      if (filter.category !== undefined && !filter.category.includes(card.category ?? '')) continue;
      if (filter.inStock !== undefined && filter.inStock !== card.inStock) continue;
      if (filter.price?.max !== undefined && price > filter.price.max) continue;
      if (filter.price?.min !== undefined && price < filter.price.min) continue;
      const title = card.title.toLowerCase().split(/\s+/);
      const found = words.filter((w) => title.includes(w)).length;
      if (found > 0) hits.push({ id: card.id, score: found / (words.length + 1) });
    }
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return Promise.resolve(hits.slice(0, limit));
  }
  cards(ids: readonly string[]): Promise<ProductCard[]> {
    return Promise.resolve(ids.flatMap((i) => this.products.get(i)?.card ?? []));
  }
  imageUri(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  values(): Promise<CatalogValues> {
    const cards = [...this.products.values()].map((p) => p.card);
    return Promise.resolve({
      categories: [...new Set(cards.flatMap((c) => c.category ?? []))],
      brands: [],
      currencies: [...new Set(cards.flatMap((c) => c.price?.currency ?? []))],
      attributes: {},
    });
  }
  order(ids: readonly string[], sort: ProductSort): Promise<string[]> {
    const price = (i: string) => this.products.get(i)?.price ?? Infinity;
    const known = ids.filter((i) => this.products.has(i));
    if (sort === 'price_asc') return Promise.resolve([...known].sort((a, b) => price(a) - price(b)));
    if (sort === 'price_desc') return Promise.resolve([...known].sort((a, b) => price(b) - price(a)));
    return Promise.resolve(known);
  }
  probe(): Promise<void> {
    return Promise.resolve();
  }
}

/** A second stage a shopper can see: in-stock products first, then the first-stage order. */
class InStockFirst implements Reranker {
  readonly name = 'in-stock-first';
  rerank(_q: unknown, candidates: readonly RerankCandidate[]): RerankedCandidate[] {
    return candidates
      .map((c) => ({
        id: c.id,
        score: c.firstStage.rrf + (c.inStock ? 1 : 0),
        components: { rrf: c.firstStage.rrf, inStock: c.inStock ? 1 : 0 },
      }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }
}

interface Product {
  readonly n: number;
  readonly title: string;
  readonly category?: string;
  readonly inStock?: boolean;
  readonly price?: number;
  /** Cosine of the picture / description vector with the query's axis 0. */
  readonly image: number;
  readonly text?: number;
  /** Still in the vector store, gone from the catalog (its delete job has not run yet). */
  readonly deleted?: boolean;
}

const defaults = loadConfig({}).search;

function world(
  products: readonly Product[],
  search: Partial<AppConfig['search']> = {},
  queries: Readonly<Record<string, number>> = {},
) {
  const store = new FakeVectorStore();
  const catalog = new FakeCatalog();
  store.aliases.set(PRODUCTS_ALIAS, collectionNameFor(MODEL_ID, 1));
  for (const p of products) {
    const category = p.category ?? 'shoes';
    const inStock = p.inStock ?? true;
    const price = p.price ?? 10;
    store.points.set(id(p.n), {
      id: id(p.n),
      vectors: { image: near(0, p.image), text: near(0, p.text ?? p.image) },
      payload: { category, inStock, price, currency: 'EUR' },
    });
    if (p.deleted) continue;
    const card: ProductCard = {
      id: id(p.n),
      sku: `SKU-${p.n}`,
      title: p.title,
      brand: null,
      category,
      price: { amount: String(price), currency: 'EUR' },
      inStock,
      image: null,
    };
    catalog.products.set(card.id, { card, price });
  }
  const fetcher: ImageFetcher = { fetch: () => Promise.reject(new Error('no image URLs in these tests')) };
  const service = new SearchService(
    {
      embedder: new FakeEmbedder({ 'red shoe': 0, 'green hat': 1, ...queries }),
      store,
      // The service takes the concrete repository class; this fake has all of its public methods.
      catalog: catalog as unknown as ProductSearchRepository,
      fetcher,
      reranker: new InStockFirst(),
    },
    { ...defaults, rrfK: 60, weights: { image: 1, text: 1, lexical: 1 }, rerank: false, ...search },
  );
  return { service, store, catalog };
}

const titles = (page: SearchPage) => page.items.map((i) => i.title);

function refusal(promise: Promise<unknown>): Promise<DomainError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(DomainError);
      return e as DomainError;
    },
  );
}

describe('SearchService', () => {
  describe('a query in a script the model cannot read', () => {
    const catalog: Product[] = [
      { n: 1, title: 'Padlock', image: 0.9 },
      { n: 2, title: '红色 鞋', image: 0.2 },
    ];

    it('takes no vector evidence when the embedding does not change with the characters: the words decide', async () => {
      // The probe swaps every CJK character for 口: a model reading them all as [UNK] embeds both the same.
      const w = world(catalog, {}, { '红色 鞋': 2, '口口 口': 2 });
      const page = await w.service.searchText({ query: '红色 鞋', explain: true });
      expect(titles(page)).toEqual(['红色 鞋']);
      expect(page.items[0]?.explain?.firstStage.ranks).toEqual({ lexical: 1 });
      expect(w.store.requests).toEqual([]);
    });

    it('keeps the vectors of a model that reads the script (the probe embeds elsewhere)', async () => {
      const w = world(catalog, {}, { '红色 鞋': 0, '口口 口': 3 });
      const page = await w.service.searchText({ query: '红色 鞋', explain: true });
      expect(titles(page)).toContain('Padlock');
      expect(page.items.find((i) => i.title === '红色 鞋')?.explain?.firstStage.ranks).toMatchObject({
        image: 2,
        lexical: 1,
      });
    });

    it('refuses a locale that is not a BCP 47 tag, naming it', async () => {
      const e = await refusal(world(catalog).service.searchText({ query: 'red shoe', locale: 'zh_CN!' }));
      expect(e.message).toContain('locale "zh_CN!" is not a BCP 47 language tag');
    });
  });

  describe('fusion of picture, description and word matches', () => {
    // image list: sandal 1, shoe 2, hat 3, scarf 4; text list: shoe 1, hat 2, sandal 3, scarf 4; words: shoe 1, hat 2.
    const catalog: Product[] = [
      { n: 1, title: 'Blue sandal', image: 0.95, text: 0.3 },
      { n: 2, title: 'Red shoe', image: 0.9, text: 0.9 },
      { n: 3, title: 'Red hat', image: 0.5, text: 0.6 },
      { n: 4, title: 'Green scarf', image: 0.2, text: 0.2 },
    ];

    it('ranks what every retriever agrees on above the closest picture alone, by weighted reciprocal rank', async () => {
      const page = await world(catalog).service.searchText({ query: 'red shoe', explain: true });
      expect(titles(page)).toEqual(['Red shoe', 'Red hat', 'Blue sandal', 'Green scarf']);
      const [shoe] = page.items;
      expect(shoe?.explain?.firstStage.ranks).toEqual({ image: 2, text: 1, lexical: 1 });
      expect(shoe?.score).toBeCloseTo(1 / 62 + 1 / 61 + 1 / 61, 12);
      expect(page.nextCursor).toBeNull();
    });

    it('leaves out a retriever weighted 0: word matches neither count nor get queried', async () => {
      const w = world(catalog, { weights: { image: 1, text: 1, lexical: 0 } });
      const page = await w.service.searchText({ query: 'red shoe', explain: true });
      expect(titles(page)).toEqual(['Red shoe', 'Blue sandal', 'Red hat', 'Green scarf']);
      expect(page.items[0]?.explain?.firstStage.ranks).toEqual({ image: 2, text: 1 });
      expect(w.catalog.lexicalCalls).toEqual([]);
    });
  });

  describe('paging', () => {
    // Seven shoes, each a little less like the query than the one before; only 3 candidates are reranked, so the
    // later pages come from the deeper first-stage lists.
    const shoes: Product[] = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ n, title: `Shoe ${n}`, image: 1 - n / 10 }));

    it('walks every result exactly once, in the order of a single long page, and ends with a null cursor', async () => {
      const { service } = world(shoes, { candidates: 3, rerank: true });
      const all = await service.searchText({ query: 'red shoe', limit: 7 });
      expect(titles(all)).toEqual(shoes.map((s) => s.title));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await service.searchText({ query: 'red shoe', limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeGreaterThan(0);
        seen.push(...titles(page));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(4);
      expect(seen).toEqual(titles(all));
    });

    it('refuses a cursor replayed against another query, other filters or another ranking, and a forged one', async () => {
      const { service } = world([...shoes, { n: 8, title: 'Green hat', image: 0.1, category: 'hats' }]);
      const first = await service.searchText({ query: 'red shoe', limit: 2 });
      const cursor = first.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      const replays = [
        service.searchText({ query: 'green hat', limit: 2, cursor }),
        service.searchText({ query: 'red shoe', limit: 2, cursor, filters: { category: 'shoes' } }),
        service.searchText({ query: 'red shoe', limit: 2, cursor, rerank: true }),
      ];
      for (const replay of replays) {
        const e = await refusal(replay);
        expect(e.code).toBe('VALIDATION_FAILED');
        expect(e.message).toContain('cursor belongs to another search');
      }
      const forged = await refusal(service.searchText({ query: 'red shoe', cursor: 'not-a-cursor' }));
      expect(forged.code).toBe('VALIDATION_FAILED');
      // The same cursor on the same search goes on where the first page stopped.
      const second = await service.searchText({ query: 'red shoe', limit: 2, cursor });
      expect(titles(second)).toEqual(['Shoe 3', 'Shoe 4']);
    });
  });

  it('applies the filters to every retriever, so only matching products come back', async () => {
    const w = world([
      { n: 1, title: 'Red shoe', image: 0.9, price: 40 },
      { n: 2, title: 'Red shoe', image: 0.95, price: 30, inStock: false },
      { n: 3, title: 'Red shoe', image: 0.97, price: 80 },
      { n: 4, title: 'Red hat', image: 0.99, price: 20, category: 'hats' },
      { n: 5, title: 'Red shoe lace', image: 0.5, price: 5 },
    ]);
    // Names compare without case; a price range in a one-currency catalog is in that currency.
    const filters: SearchFilters = { category: 'SHOES', inStock: true, price: { max: 50 } };
    const page = await w.service.searchText({ query: 'red shoe', filters });
    expect(page.items.map((i) => i.sku)).toEqual(['SKU-1', 'SKU-5']);
    expect(page).toMatchObject({ total: 2, totalRelation: 'eq' });
    const sent = { category: { in: ['shoes'] }, currency: 'EUR', inStock: true, price: { lte: 50 } };
    expect(w.store.requests.map((r) => [r.vector, r.filter])).toEqual([
      ['image', sent],
      ['text', sent],
    ]);
    // The catalog gets the same conditions in its typed form (lists for category and brand).
    expect(w.catalog.lexicalCalls).toEqual([
      {
        query: 'red shoe',
        filter: { category: ['shoes'], currency: 'EUR', inStock: true, price: { max: 50 } },
      },
    ]);
  });

  describe('storefront results', () => {
    const products: Product[] = [
      { n: 1, title: 'Red shoe', image: 0.9, price: 40 },
      { n: 2, title: 'Blue boot', image: 0.8, price: 10 },
      { n: 3, title: 'Green hat', image: 0.1, price: 5 },
      { n: 4, title: 'Yellow scarf', image: 0.2, price: 1 },
    ];
    const cutoff = (ps: readonly Product[]) => {
      const w = world(ps);
      const service = new SearchService(
        (w.service as unknown as { deps: SearchDependencies }).deps,
        { ...defaults, rrfK: 60, weights: { image: 1, text: 0, lexical: 1 }, rerank: false },
        { minSimilarity: { image: 0.5 } },
      );
      return { ...w, service };
    };

    it('keeps only candidates with evidence: a word match or a similarity at the calibrated threshold', async () => {
      const { service } = cutoff(products);
      const page = await service.searchText({ query: 'red shoe' });
      // Blue boot: no word in common, but its picture is close enough; the hat and the scarf are neither.
      expect(page.items.map((i) => i.title)).toEqual(['Red shoe', 'Blue boot']);
      expect(page).toMatchObject({ total: 2, totalRelation: 'eq', nextCursor: null });
      expect(page.items[0]!.highlights).toEqual({
        title: [
          [0, 3],
          [4, 8],
        ],
      });
      const byWords = await service.searchText({ query: 'green hat' });
      // The hat matches by words although its picture is far: word evidence counts.
      expect(byWords.items.map((i) => i.title)).toContain('Green hat');
      expect(byWords.items.map((i) => i.title)).not.toContain('Yellow scarf');
    });

    it('answers nothing, total 0, for a query without evidence', async () => {
      const { service } = cutoff(products.filter((p) => p.n > 2));
      const page = await service.searchText({ query: 'red shoe' });
      expect(page).toMatchObject({ items: [], total: 0, totalRelation: 'eq', nextCursor: null });
      // A caller may keep the least unlike products (the chat's tools).
      const closest = await service.searchText({ query: 'red shoe', relevanceCutoff: false });
      expect(closest.items.map((i) => i.title)).toEqual(['Yellow scarf', 'Green hat']);
    });

    it('sorts the relevant set by price and pages it with the same cursors', async () => {
      const w = world(products);
      const first = await w.service.searchText({ query: 'red shoe', sort: 'price_asc', limit: 2 });
      const second = await w.service.searchText({
        query: 'red shoe',
        sort: 'price_asc',
        limit: 2,
        cursor: first.nextCursor!,
      });
      expect([...first.items, ...second.items].map((i) => i.price?.amount)).toEqual(['1', '5', '10', '40']);
      const e = await refusal(
        w.service.searchText({ query: 'red shoe', sort: 'price_desc', limit: 2, cursor: first.nextCursor! }),
      );
      expect(e.message).toContain('another search');
    });

    it('refuses an unknown facet and an unknown sort, naming them', async () => {
      const w = world(products);
      const e = await refusal(w.service.searchText({ query: 'red shoe', facets: ['category', 'flavour'] }));
      expect(e.message).toContain('"flavour"');
      const s = await refusal(w.service.searchText({ query: 'red shoe', sort: 'cheapest' as never }));
      expect(s.message).toContain('price_asc');
    });

    it('asks for a currency when a price range meets a catalog priced in several', async () => {
      const w = world(products);
      const card = w.catalog.products.get(id(4))!.card;
      w.catalog.products.set(id(4), { card: { ...card, price: { amount: '1', currency: 'USD' } }, price: 1 });
      const e = await refusal(
        w.service.searchText({ query: 'red shoe', filters: { price: { max: 50 } }, requireCurrency: true }),
      );
      expect(e.message).toBe('name a currency: this catalog prices in EUR, USD');
      // Library callers that do not ask for it (the chat) keep ranges over every currency's amounts.
      const any = await w.service.searchText({ query: 'red shoe', filters: { price: { max: 50 } } });
      expect(any.items.length).toBeGreaterThan(0);
    });
  });

  it('refuses a reversed price range before searching anything', async () => {
    const w = world([{ n: 1, title: 'Red shoe', image: 0.9 }]);
    const e = await refusal(
      w.service.searchText({ query: 'red shoe', filters: { price: { min: 50, max: 10 } } }),
    );
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toContain('reversed');
    expect(w.store.requests).toEqual([]);
  });

  describe('reranking', () => {
    // The sold-out shoe looks most like the query; the reranker puts products in stock first.
    const catalog: Product[] = [
      { n: 1, title: 'Sold-out red shoe', image: 0.99, inStock: false },
      { n: 2, title: 'Red shoe', image: 0.9 },
      { n: 3, title: 'Red shoe two', image: 0.8 },
    ];

    it('runs when the configuration says so, and names the reranker', async () => {
      const { service } = world(catalog, { rerank: true });
      const page = await service.searchText({ query: 'red shoe', explain: true });
      expect(titles(page)).toEqual(['Red shoe', 'Red shoe two', 'Sold-out red shoe']);
      expect(page.reranker).toBe('in-stock-first');
      expect(page.items[0]?.explain?.rerank).toMatchObject({ inStock: 1 });
    });

    it('is skipped when the request turns it off: first-stage order, fusion scores, reranker "none"', async () => {
      const { service } = world(catalog, { rerank: true });
      const page = await service.searchText({ query: 'red shoe', rerank: false, explain: true });
      expect(titles(page)).toEqual(['Sold-out red shoe', 'Red shoe', 'Red shoe two']);
      expect(page.reranker).toBe('none');
      for (const item of page.items) {
        expect(item.score).toBe(item.explain?.firstStage.rrf);
        expect(item.explain?.rerank).toBeUndefined();
      }
    });
  });

  it('skips products deleted from the catalog whose vectors remain, filling the page from further down', async () => {
    const { service } = world([
      { n: 1, title: 'Shoe 1', image: 0.9 },
      { n: 2, title: 'Shoe 2', image: 0.8, deleted: true },
      { n: 3, title: 'Shoe 3', image: 0.7, deleted: true },
      { n: 4, title: 'Shoe 4', image: 0.6 },
      { n: 5, title: 'Shoe 5', image: 0.5 },
    ]);
    const first = await service.searchText({ query: 'red shoe', limit: 2 });
    expect(titles(first)).toEqual(['Shoe 1', 'Shoe 4']);
    const second = await service.searchText({ query: 'red shoe', limit: 2, cursor: first.nextCursor! });
    expect(titles(second)).toEqual(['Shoe 5']);
    expect(second.nextCursor).toBeNull();
  });

  it('finds similar products without the product itself', async () => {
    const { service } = world([
      { n: 1, title: 'Shoe 1', image: 0.9 },
      { n: 2, title: 'Shoe 2', image: 0.8 },
      { n: 3, title: 'Shoe 3', image: 0.2 },
    ]);
    expect(titles(await service.similar(id(2)))).toEqual(['Shoe 1', 'Shoe 3']);
    expect((await refusal(service.similar(id(9)))).code).toBe('NOT_FOUND');
  });

  it('answers an empty page while nothing is indexed, and refuses an index of another model', async () => {
    const empty = world([{ n: 1, title: 'Red shoe', image: 0.9 }]);
    empty.store.aliases.clear();
    expect(await empty.service.searchText({ query: 'red shoe' })).toEqual({
      queryId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      items: [],
      total: 0,
      totalRelation: 'eq',
      nextCursor: null,
      reranker: 'none',
    });
    const other = world([{ n: 1, title: 'Red shoe', image: 0.9 }]);
    other.store.aliases.set(PRODUCTS_ALIAS, collectionNameFor('another-clip@ba9876543210', 1));
    const e = await refusal(other.service.searchText({ query: 'red shoe' }));
    expect(e.code).toBe('MODEL_MISMATCH');
  });
});
