import { QdrantClient, type Schemas } from './qdrant-client';
import { DomainError } from '@vitrine/core';
import { compileFilter, type VectorFilter } from '../filter';
import { normalizeId } from '../ids';
import {
  checkName,
  checkPageSize,
  checkPoints,
  checkSearchPaging,
  checkSpec,
  normalizedVector,
} from '../validation';
import {
  VECTOR_NAMES,
  type CollectionInfo,
  type CollectionSpec,
  type GetOptions,
  type IdPage,
  type PointInput,
  type ProductPayload,
  type ScrollOptions,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type SwitchAliasOptions,
  type VectorName,
  type VectorStore,
  type WriteOptions,
} from '../vector-store';
import { compactVector } from './compact-floats';
import { toDomainError } from './qdrant-errors';
import { toQdrantFilter } from './qdrant-filter';
import { waitUntilReady, type ReadyWait } from './qdrant-ready';

/** Options of {@link QdrantVectorStore}. */
export interface QdrantOptions {
  readonly url: string;
  readonly apiKey?: string;
  /**
   * `int8`: new collections keep an int8 scalar-quantised copy of the vectors in RAM, searches prescan it
   * with `oversampling` and rescore with the original vectors. `none`: plain float32.
   */
  readonly quantization?: 'none' | 'int8';
  /** Candidates fetched per wanted hit when quantised. Default 2. */
  readonly oversampling?: number;
  /** Shards of a new collection (`shard_number`), spread over a cluster's nodes. Default: the server's (1). */
  readonly shards?: number;
  /** Copies of each shard of a new collection on different nodes (cluster only). Default: the server's (1). */
  readonly replicationFactor?: number;
  /** Replicas that must apply a write before it succeeds (≤ replication factor). Default: the server's (1). */
  readonly writeConsistencyFactor?: number;
  /**
   * Keep new collections' original vectors on disk (memory-mapped) instead of in RAM; with `int8` the quantised
   * copy stays in RAM, so searches touch the disk only to rescore. Default false.
   */
  readonly onDiskVectors?: boolean;
  /**
   * How long {@link QdrantVectorStore.switchAlias} waits for the new collection to be green (optimised, every
   * shard active) before refusing the switch. Default 10 minutes.
   */
  readonly readyTimeoutMs?: number;
  /** How often that wait asks. Default 1 s. */
  readonly readyPollMs?: number;
  /** Points per upsert request. Default 256 (about 3 MB of JSON at 2 x 512 dims). */
  readonly batchSize?: number;
  /** Request timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /** A prebuilt client (tests). */
  readonly client?: QdrantClient;
}

/** Payload fields every collection indexes, so filtered searches stay fast at scale. */
const PAYLOAD_INDEXES: readonly [string, Schemas['PayloadSchemaType']][] = [
  ['category', 'keyword'],
  ['brand', 'keyword'],
  ['currency', 'keyword'],
  ['price', 'float'],
  ['inStock', 'bool'],
];

/** `with_vector` for a read: false, every vector, or the named ones. */
function vectorSelector(options: {
  readonly withVectors?: boolean;
  readonly vectorNames?: readonly VectorName[];
}): Schemas['WithVector'] {
  if (options.vectorNames) return options.vectorNames.length ? [...options.vectorNames] : false;
  return options.withVectors ?? false;
}

/** `with_payload` for a read: the whole payload, the fields the caller reads, or none when it reads none. */
function payloadSelector(fields: readonly string[] | undefined): Schemas['WithPayloadInterface'] {
  if (!fields) return true;
  return fields.length ? [...fields] : false;
}

function toFloat32(v: Schemas['VectorOutput'] | undefined): Float32Array | undefined {
  // Named dense vectors come back as number[]; anything else (sparse, multi) is not ours.
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? Float32Array.from(v) : undefined;
}

function vectorsOf(raw: Schemas['Record']['vector']): Partial<Record<VectorName, Float32Array>> {
  const out: Partial<Record<VectorName, Float32Array>> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const name of VECTOR_NAMES) {
      const v = toFloat32((raw as Record<string, Schemas['VectorOutput'] | undefined>)[name]);
      if (v) out[name] = v;
    }
  }
  return out;
}

function shapeOf(info: Schemas['CollectionInfo']): { dim: number; vectors: VectorName[] } | undefined {
  const vectors = info.config.params.vectors;
  if (!vectors || typeof vectors !== 'object' || 'size' in vectors) return undefined;
  const named = vectors as Record<string, Schemas['VectorParams'] | undefined>;
  const names = Object.keys(named).filter((n): n is VectorName =>
    (VECTOR_NAMES as readonly string[]).includes(n),
  );
  const dims = new Set(names.map((n) => named[n]?.size));
  if (names.length === 0 || dims.size !== 1) return undefined;
  return { dim: [...dims][0] as number, vectors: names.sort() };
}

/**
 * {@link VectorStore} on a Qdrant server (REST, `@qdrant/js-client-rest`). One point per product with named
 * vectors `image` and `text` (Distance Cosine, so scores are cosine similarities), payload indexes on the
 * filterable fields, optional int8 scalar quantisation with rescoring, filters translated to Qdrant filter
 * JSON and evaluated inside the HNSW search, aliases switched with one atomic `update_aliases` call.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly client: QdrantClient;
  private readonly quantization: 'none' | 'int8';
  private readonly oversampling: number;
  private readonly batchSize: number;
  private readonly layout: Pick<
    Schemas['CreateCollection'],
    'shard_number' | 'replication_factor' | 'write_consistency_factor'
  >;
  private readonly onDiskVectors: boolean;
  private readonly ready: ReadyWait;

  constructor(options: QdrantOptions) {
    this.client =
      options.client ??
      new QdrantClient({
        url: options.url,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        timeout: options.timeoutMs ?? 30_000,
        // The version check is an unawaited request at construction whose failure only logs; ping() is ours.
        checkCompatibility: false,
      });
    this.quantization = options.quantization ?? 'none';
    this.oversampling = options.oversampling ?? 2;
    this.batchSize = options.batchSize ?? 256;
    this.layout = {
      ...(options.shards !== undefined ? { shard_number: options.shards } : {}),
      ...(options.replicationFactor !== undefined ? { replication_factor: options.replicationFactor } : {}),
      ...(options.writeConsistencyFactor !== undefined
        ? { write_consistency_factor: options.writeConsistencyFactor }
        : {}),
    };
    this.onDiskVectors = options.onDiskVectors ?? false;
    this.ready = { timeoutMs: options.readyTimeoutMs ?? 600_000, pollMs: options.readyPollMs ?? 1000 };
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toDomainError(e, action);
    }
  }

  async ensureCollection(spec: CollectionSpec): Promise<{ readonly created: boolean }> {
    checkSpec(spec);
    if ((await this.resolveAlias(spec.name)) !== undefined) {
      throw new DomainError('CONFLICT', `${spec.name} is an alias, not a collection`);
    }
    const { exists } = await this.call('collection exists', () => this.client.collectionExists(spec.name));
    let created = false;
    if (!exists) {
      const params: Schemas['VectorParams'] = {
        size: spec.dim,
        distance: 'Cosine',
        ...(this.onDiskVectors ? { on_disk: true } : {}),
      };
      try {
        await this.call('create collection', () =>
          this.client.createCollection(spec.name, {
            vectors: Object.fromEntries(spec.vectors.map((v) => [v, params])),
            ...this.layout,
            ...(this.quantization === 'int8'
              ? { quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } }
              : {}),
          }),
        );
        created = true;
      } catch (e) {
        // Someone else created it in between: fall through to the shape check.
        if (!(e instanceof DomainError && e.code === 'CONFLICT')) throw e;
      }
    }
    if (!created) {
      const info = await this.call('get collection', () => this.client.getCollection(spec.name));
      const shape = shapeOf(info);
      if (!shape || shape.dim !== spec.dim || shape.vectors.join() !== [...spec.vectors].sort().join()) {
        throw new DomainError('CONFLICT', `Collection ${spec.name} exists with another shape`, {
          existing: shape,
          requested: { dim: spec.dim, vectors: spec.vectors },
        });
      }
    }
    const indexes: [string, Schemas['PayloadSchemaType']][] = [
      ...PAYLOAD_INDEXES,
      ...Object.entries(spec.attributeIndexes ?? {}).map(([k, t]): [string, Schemas['PayloadSchemaType']] => [
        `attributes.${k}`,
        t,
      ]),
    ];
    // Idempotent on the server: re-creating an existing index with the same type is a no-op.
    for (const [field_name, field_schema] of indexes) {
      await this.call('create payload index', () =>
        this.client.createPayloadIndex(spec.name, { field_name, field_schema, wait: true }),
      );
    }
    return { created };
  }

  async collectionInfo(collection: string): Promise<CollectionInfo | undefined> {
    const name = (await this.resolveAlias(collection)) ?? collection;
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.call('get collection', () => this.client.getCollection(name));
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
    const shape = shapeOf(info);
    if (!shape) throw new DomainError('CONFLICT', `Collection ${name} does not hold Vitrine's named vectors`);
    return { name, ...shape, count: await this.count(name) };
  }

  async listCollections(): Promise<string[]> {
    const { collections } = await this.call('list collections', () => this.client.getCollections());
    return collections.map((c) => c.name).sort();
  }

  async dropCollection(name: string): Promise<boolean> {
    checkName(name);
    return this.call('delete collection', () => this.client.deleteCollection(name));
  }

  async upsert(collection: string, points: readonly PointInput[], options?: WriteOptions): Promise<void> {
    // The server checks dimensions and vector names against the collection.
    const checked = checkPoints(points, undefined);
    for (let i = 0; i < checked.length; i += this.batchSize) {
      const batch = checked.slice(i, i + this.batchSize).map((p): Schemas['PointStruct'] => ({
        id: p.id,
        vector: Object.fromEntries(Object.entries(p.vectors).map(([name, v]) => [name, compactVector(v)])),
        payload: p.payload,
      }));
      await this.call('upsert', () =>
        this.client.upsert(collection, { wait: options?.wait ?? true, points: batch }),
      );
    }
  }

  async delete(collection: string, ids: readonly string[], options?: WriteOptions): Promise<void> {
    if (ids.length === 0) return;
    const points = ids.map((id) => normalizeId(id));
    await this.call('delete points', () =>
      this.client.delete(collection, { wait: options?.wait ?? true, points }),
    );
  }

  async get(collection: string, ids: readonly string[], options: GetOptions = {}): Promise<StoredPoint[]> {
    const wanted = ids.map((id) => normalizeId(id));
    if (wanted.length === 0) return [];
    const withVector = vectorSelector(options);
    const withVectors = withVector !== false;
    const records = await this.call('retrieve', () =>
      this.client.retrieve(collection, {
        ids: wanted,
        with_payload: payloadSelector(options.payloadFields),
        with_vector: withVector,
      }),
    );
    const byId = new Map(records.map((r) => [String(r.id), r]));
    const out: StoredPoint[] = [];
    for (const id of wanted) {
      const r = byId.get(id);
      if (!r) continue;
      const point = { id, payload: (r.payload ?? {}) as ProductPayload };
      out.push(withVectors ? { ...point, vectors: vectorsOf(r.vector) } : point);
    }
    return out;
  }

  async search(collection: string, request: SearchRequest): Promise<SearchHit[]> {
    const query = this.queryOf(request);
    if (!query) return [];
    const { points } = await this.call('query', () => this.client.query(collection, query));
    return points.map((p) => hitOf(p, request));
  }

  /** One `/points/query/batch` request for all of them (a filter that matches nothing is answered here). */
  async searchBatch(collection: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]> {
    const queries = requests.map((r) => this.queryOf(r));
    const searches = queries.filter((q): q is Schemas['QueryRequest'] => q !== undefined);
    if (searches.length === 0) return requests.map(() => []);
    const answers = await this.call('query batch', () => this.client.queryBatch(collection, { searches }));
    let next = 0;
    return requests.map((r, i) => {
      if (queries[i] === undefined) return [];
      const answer = answers[next++];
      if (!answer) throw new DomainError('UNAVAILABLE', 'Qdrant answered a query batch with fewer results');
      return answer.points.map((p) => hitOf(p, r));
    });
  }

  /** The Qdrant query for a search, validated; undefined when its filter matches nothing. */
  private queryOf(request: SearchRequest): Schemas['QueryRequest'] | undefined {
    const { limit, offset } = checkSearchPaging(request);
    const query = normalizedVector(request.query, undefined, 'Query vector');
    const compiled = compileFilter(request.filter);
    if (compiled.matchesNothing) return undefined;
    const filter = toQdrantFilter(compiled);
    const params: Schemas['SearchParams'] = {};
    if (request.exact) params.exact = true;
    if (this.quantization === 'int8')
      params.quantization = { rescore: true, oversampling: this.oversampling };
    return {
      query: compactVector(query),
      using: request.vector,
      limit,
      ...(offset ? { offset } : {}),
      ...(filter ? { filter } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      with_payload: payloadSelector(request.payloadFields),
      with_vector: vectorSelector(request),
    };
  }

  async count(collection: string, filter?: VectorFilter): Promise<number> {
    const compiled = compileFilter(filter);
    if (compiled.matchesNothing) return 0;
    const f = toQdrantFilter(compiled);
    const { count } = await this.call('count', () =>
      this.client.count(collection, { exact: true, ...(f ? { filter: f } : {}) }),
    );
    return count;
  }

  async scrollIds(collection: string, options: ScrollOptions = {}): Promise<IdPage> {
    const limit = checkPageSize(options.limit);
    const compiled = compileFilter(options.filter);
    if (compiled.matchesNothing) return { ids: [] };
    const filter = toQdrantFilter(compiled);
    const page = await this.call('scroll', () =>
      this.client.scroll(collection, {
        limit,
        with_payload: false,
        with_vector: false,
        ...(options.cursor !== undefined ? { offset: normalizeId(options.cursor) } : {}),
        ...(filter ? { filter } : {}),
      }),
    );
    const next = page.next_page_offset;
    const ids = page.points.map((p) => String(p.id));
    return typeof next === 'string' || typeof next === 'number' ? { ids, next: String(next) } : { ids };
  }

  /**
   * Waits (at most `readyTimeoutMs`) until `collection` is green, its optimizers report no error, every shard
   * replica is active and it holds at least `minPoints` points, then switches the alias. Until then, and when the
   * wait ends without it, the alias keeps serving its old collection; the refusal is `UNAVAILABLE` and says what
   * was still missing.
   */
  async switchAlias(alias: string, collection: string, options: SwitchAliasOptions = {}): Promise<void> {
    checkName(alias, 'alias');
    checkName(collection);
    await waitUntilReady(
      {
        info: () => this.call('get collection', () => this.client.getCollection(collection)),
        shards: () =>
          this.call('collection cluster info', () => this.client.collectionClusterInfo(collection)),
        count: () => this.count(collection),
        triggerOptimizers: () =>
          this.call('update collection', () =>
            this.client.updateCollection(collection, { optimizers_config: {} }),
          ),
      },
      collection,
      { ...this.ready, minPoints: options.minPoints },
    );
    // One request: Qdrant applies the actions under one lock, so searches see the old or the new target.
    await this.call('update aliases', () =>
      this.client.updateCollectionAliases({
        actions: [
          { delete_alias: { alias_name: alias } },
          { create_alias: { collection_name: collection, alias_name: alias } },
        ],
      }),
    );
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    return (await this.listAliases())[alias];
  }

  async listAliases(): Promise<Record<string, string>> {
    const { aliases } = await this.call('list aliases', () => this.client.getAliases());
    return Object.fromEntries(aliases.map((a) => [a.alias_name, a.collection_name]));
  }

  async deleteAlias(alias: string): Promise<boolean> {
    if ((await this.resolveAlias(alias)) === undefined) return false;
    await this.call('update aliases', () =>
      this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: alias } }] }),
    );
    return true;
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.client.versionInfo());
  }

  close(): Promise<void> {
    // The client keeps no resources that need releasing (undici's pool closes idle sockets itself).
    return Promise.resolve();
  }
}

function hitOf(p: Schemas['ScoredPoint'], request: SearchRequest): SearchHit {
  const hit = { id: String(p.id), score: p.score, payload: (p.payload ?? {}) as ProductPayload };
  return request.withVectors || request.vectorNames?.length ? { ...hit, vectors: vectorsOf(p.vector) } : hit;
}
