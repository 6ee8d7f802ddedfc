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
  type IdPage,
  type PointInput,
  type ProductPayload,
  type ScrollOptions,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type VectorName,
  type VectorStore,
  type WriteOptions,
} from '../vector-store';
import { toDomainError } from './qdrant-errors';
import { toQdrantFilter } from './qdrant-filter';

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
      const params: Schemas['VectorParams'] = { size: spec.dim, distance: 'Cosine' };
      try {
        await this.call('create collection', () =>
          this.client.createCollection(spec.name, {
            vectors: Object.fromEntries(spec.vectors.map((v) => [v, params])),
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
        vector: Object.fromEntries(Object.entries(p.vectors).map(([name, v]) => [name, Array.from(v)])),
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

  async get(
    collection: string,
    ids: readonly string[],
    options?: { readonly withVectors?: boolean },
  ): Promise<StoredPoint[]> {
    const wanted = ids.map((id) => normalizeId(id));
    if (wanted.length === 0) return [];
    const withVectors = options?.withVectors ?? false;
    const records = await this.call('retrieve', () =>
      this.client.retrieve(collection, { ids: wanted, with_payload: true, with_vector: withVectors }),
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
    const { limit, offset } = checkSearchPaging(request);
    const query = normalizedVector(request.query, undefined, 'Query vector');
    const compiled = compileFilter(request.filter);
    if (compiled.matchesNothing) return [];
    const filter = toQdrantFilter(compiled);
    const params: Schemas['SearchParams'] = {};
    if (request.exact) params.exact = true;
    if (this.quantization === 'int8')
      params.quantization = { rescore: true, oversampling: this.oversampling };
    const withVectors = request.withVectors ?? false;
    const { points } = await this.call('query', () =>
      this.client.query(collection, {
        query: Array.from(query),
        using: request.vector,
        limit,
        ...(offset ? { offset } : {}),
        ...(filter ? { filter } : {}),
        ...(Object.keys(params).length ? { params } : {}),
        with_payload: true,
        with_vector: withVectors,
      }),
    );
    return points.map((p) => {
      const hit = { id: String(p.id), score: p.score, payload: (p.payload ?? {}) as ProductPayload };
      return withVectors ? { ...hit, vectors: vectorsOf(p.vector) } : hit;
    });
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

  async switchAlias(alias: string, collection: string): Promise<void> {
    checkName(alias, 'alias');
    checkName(collection);
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
