import type { VectorFilter } from './filter';

/** The two embeddings a product can carry. Both live in the same CLIP space, so either can answer a query. */
export const VECTOR_NAMES = ['image', 'text'] as const;
/** Name of one of the vectors stored per product. */
export type VectorName = (typeof VECTOR_NAMES)[number];

/** A vector as callers hand it over. Adapters L2-normalise it; scores are cosine similarities. */
export type VectorInput = Float32Array | readonly number[];

/** A JSON value as it can be stored in a payload. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/** Value of a product attribute (`color: "red"`, `size: 42`, `vegan: true`). */
export type AttributeValue = string | number | boolean;

/**
 * What is stored next to a product's vectors. The named fields can be filtered on inside a search; any other
 * top-level field (sku, contentHash, modelId, ...) is stored and returned as is, and can be filtered through
 * {@link VectorFilter.fields}.
 */
export interface ProductPayload {
  readonly category?: string;
  readonly brand?: string;
  readonly price?: number;
  /** ISO 4217 code, e.g. `EUR`. */
  readonly currency?: string;
  readonly inStock?: boolean;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly [field: string]: JsonValue | undefined;
}

/** One product to write. `id` is a UUID; each vector is optional, but a point needs at least one. */
export interface PointInput {
  readonly id: string;
  readonly vectors: Readonly<Partial<Record<VectorName, VectorInput>>>;
  readonly payload: ProductPayload;
}

/** A stored product as read back. Vectors are present only when asked for, L2-normalised. */
export interface StoredPoint {
  readonly id: string;
  readonly payload: ProductPayload;
  readonly vectors?: Readonly<Partial<Record<VectorName, Float32Array>>>;
}

/** One search result. */
export interface SearchHit extends StoredPoint {
  /** Cosine similarity in [-1, 1] between the query and the stored vector; higher is closer. */
  readonly score: number;
}

/** Type of a payload index on an attribute (Qdrant needs one per filtered key to filter fast at scale). */
export type AttributeIndexType = 'keyword' | 'float' | 'integer' | 'bool';

/** How to create a collection. */
export interface CollectionSpec {
  readonly name: string;
  /** Dimension of every vector in the collection (the embedding model's output size). */
  readonly dim: number;
  /** Which named vectors the collection holds. */
  readonly vectors: readonly VectorName[];
  /**
   * Attribute keys that searches filter on often, indexed ahead (Qdrant payload indexes on
   * `attributes.<key>`). Filtering works on any key without an index, only slower on Qdrant.
   */
  readonly attributeIndexes?: Readonly<Record<string, AttributeIndexType>>;
}

/** What a collection looks like now. */
export interface CollectionInfo {
  readonly name: string;
  readonly dim: number;
  readonly vectors: readonly VectorName[];
  /** Number of points. */
  readonly count: number;
}

/** Options of a write. */
export interface WriteOptions {
  /**
   * When true (the default) the promise resolves only once the write is durable and visible to reads
   * (read-your-writes). When false it may resolve earlier.
   */
  readonly wait?: boolean;
}

/** A nearest-neighbour query. */
export interface SearchRequest {
  /** Which stored vector to compare against; points without it are never returned. */
  readonly vector: VectorName;
  /** The query embedding, same dimension as the collection. */
  readonly query: VectorInput;
  /** Number of hits to return, 1..1000. */
  readonly limit: number;
  /** Number of best hits to skip first (pagination). Default 0. */
  readonly offset?: number;
  /**
   * Conditions applied inside the search: a filtered query still returns `limit` hits when that many
   * points match, however far down the unfiltered ranking they are.
   */
  readonly filter?: VectorFilter;
  /** Return the stored vectors with each hit. Default false. */
  readonly withVectors?: boolean;
  /**
   * Return only these stored vectors with each hit (implies {@link withVectors}): a reranker that compares one
   * kind of vector should not pay for moving the other (with Qdrant, 512 floats per hit are about 5 KB of JSON).
   */
  readonly vectorNames?: readonly VectorName[];
  /**
   * The payload fields the caller reads (top-level names, or dotted paths such as `attributes.popularity`).
   * Adapters that move payloads over a network return only these; others may return the whole payload.
   * Default: the whole payload.
   */
  readonly payloadFields?: readonly string[];
  /** Ask for an exact (brute-force) search even where the adapter would otherwise approximate. */
  readonly exact?: boolean;
}

/** What to read with points by id ({@link VectorStore.get}). */
export interface GetOptions {
  /** Return the stored vectors. Default false. */
  readonly withVectors?: boolean;
  /** Return only these stored vectors (implies `withVectors`). */
  readonly vectorNames?: readonly VectorName[];
  /** The payload fields the caller reads; see {@link SearchRequest.payloadFields}. Default: the whole payload. */
  readonly payloadFields?: readonly string[];
}

/** Conditions of an alias switch ({@link VectorStore.switchAlias}). */
export interface SwitchAliasOptions {
  /**
   * The collection must hold at least this many points: a reindex passes the number of products it wrote, so a
   * collection that lost writes is never put in front of searches. Default: no minimum.
   */
  readonly minPoints?: number;
}

/** One page of point ids, in ascending id order. */
export interface IdPage {
  readonly ids: readonly string[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  readonly next?: string;
}

/** Paging options of {@link VectorStore.scrollIds}. */
export interface ScrollOptions {
  readonly filter?: VectorFilter;
  /** Page size, 1..10 000. Default 1000. */
  readonly limit?: number;
  /** `next` of the previous page. */
  readonly cursor?: string;
}

/**
 * Damage found (and repaired) while opening a store file: what was kept, what was cut off and where a copy of the
 * cut-off bytes went. Whatever was lost is recovered from the catalog by the indexer's reconcile, which compares
 * the store with the catalog at boot and re-queues every product whose vectors are missing or stale.
 */
export interface StoreDamage {
  /** The damaged file, relative to the store directory. */
  readonly file: string;
  readonly kind: 'wal' | 'segment' | 'catalog';
  /** `torn`: the file ends inside a record (a crash mid-write, a cut copy); `corrupt`: a checksum failed. */
  readonly reason: 'torn' | 'corrupt';
  /** Intact records (log records, snapshot batches) kept. */
  readonly recordsKept: number;
  /** Damaged records or snapshot batches dropped (unreadable ones past a damaged length count as one). */
  readonly recordsLost: number;
  readonly bytesDiscarded: number;
  /** Where a copy of the damaged bytes was kept (relative to the store directory). */
  readonly copy?: string;
  readonly at: Date;
}

/**
 * Storage for product embeddings, the port the rest of Vitrine depends on. Two adapters implement it with the
 * same semantics (checked by one contract test suite): {@link QdrantVectorStore} and the in-process
 * {@link EmbeddedVectorStore}.
 *
 * Every method that takes a `collection` also accepts an alias (readers use the `products` alias, see
 * {@link PRODUCTS_ALIAS}). Errors are `DomainError`s: `NOT_FOUND` for a missing collection, `VALIDATION_FAILED`
 * for bad input (wrong dimension, non-UUID id), `CONFLICT` for an incompatible existing collection,
 * `UNAVAILABLE` when the backend cannot be reached.
 */
export interface VectorStore {
  /**
   * Creates the collection if it does not exist. Returns whether it was created. An existing collection with
   * another dimension or other vector names is a `CONFLICT`: a new model needs a new collection.
   */
  ensureCollection(spec: CollectionSpec): Promise<{ readonly created: boolean }>;
  /** Dimension, vector names and size of a collection (or alias target); undefined when it does not exist. */
  collectionInfo(collection: string): Promise<CollectionInfo | undefined>;
  /** Names of all collections (not aliases), sorted. */
  listCollections(): Promise<string[]>;
  /** Drops a collection and every alias that points to it. Returns false when it did not exist. */
  dropCollection(name: string): Promise<boolean>;

  /** Inserts or fully replaces points (vectors and payload) by id. */
  upsert(collection: string, points: readonly PointInput[], options?: WriteOptions): Promise<void>;
  /** Deletes points by id; unknown ids are ignored. */
  delete(collection: string, ids: readonly string[], options?: WriteOptions): Promise<void>;
  /** Reads points by id, in the order asked; unknown ids are left out. */
  get(collection: string, ids: readonly string[], options?: GetOptions): Promise<StoredPoint[]>;
  /** Nearest neighbours of `request.query` among points that pass the filter, best first. */
  search(collection: string, request: SearchRequest): Promise<SearchHit[]>;
  /**
   * Several searches of one collection at once, answers in the order asked: one round trip where the backend
   * has a batch call (Qdrant's `/points/query/batch`). Optional: {@link searchBatch} falls back to parallel
   * {@link search} calls.
   */
  searchBatch?(collection: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]>;
  /** Number of points that pass the filter (all points without one). */
  count(collection: string, filter?: VectorFilter): Promise<number>;
  /** One page of ids in ascending order; see {@link iterateIds} to walk them all. */
  scrollIds(collection: string, options?: ScrollOptions): Promise<IdPage>;

  /**
   * Points `alias` at `collection` in one atomic step: readers see either the old or the new target, never
   * none. Creates the alias when it does not exist. The collection must be ready to serve first: a server that
   * builds its index in the background (Qdrant) waits, within a bound, until it has; a collection that does
   * not get there, or holds fewer than `options.minPoints` points, is refused with `UNAVAILABLE` and the alias
   * keeps its old target.
   */
  switchAlias(alias: string, collection: string, options?: SwitchAliasOptions): Promise<void>;
  /** The collection an alias points to, or undefined. */
  resolveAlias(alias: string): Promise<string | undefined>;
  /** Every alias and its target. */
  listAliases(): Promise<Record<string, string>>;
  /** Removes an alias (not its collection). Returns false when it did not exist. */
  deleteAlias(alias: string): Promise<boolean>;

  /** Throws `UNAVAILABLE` when the backend cannot serve requests. */
  ping(): Promise<void>;
  /**
   * Damage the store found in its own files since it was opened, and repaired by keeping every intact record
   * (the embedded store; a server such as Qdrant keeps its own files and does not implement it).
   */
  damage?(): readonly StoreDamage[];
  /** Flushes and releases resources; the store cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * Runs `requests` against `collection` through {@link VectorStore.searchBatch} when the store has it (one round
 * trip), else as parallel searches. Answers in the order asked.
 */
export function searchBatch(
  store: VectorStore,
  collection: string,
  requests: readonly SearchRequest[],
): Promise<SearchHit[][]> {
  if (requests.length === 0) return Promise.resolve([]);
  if (store.searchBatch) return store.searchBatch(collection, requests);
  return Promise.all(requests.map((r) => store.search(collection, r)));
}

/** Injection token of the {@link VectorStore} provided by `VectorsModule`. */
export const VECTOR_STORE = Symbol('VECTOR_STORE');
