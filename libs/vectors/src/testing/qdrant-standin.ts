import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, ValidationError } from '@vitrine/core';
import { EmbeddedVectorStore, type EmbeddedOptions } from '../embedded/embedded-store';
import { normalizeId } from '../ids';
import {
  VECTOR_NAMES,
  type PointInput,
  type ProductPayload,
  type StoredPoint,
  type VectorName,
} from '../vector-store';
import type { QdrantApiChecker } from './openapi-check';
import { compactVector } from '../qdrant/compact-floats';
import { fromQdrantFilter } from './qdrant-filter-reverse';

/** Options of {@link QdrantStandIn.start}. */
export interface QdrantStandInOptions {
  /** Directory of the embedded store that holds the data (created when missing). */
  readonly dir: string;
  /** Loopback by default: the stand-in has no authentication unless `apiKey` is set. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** When set, requests must carry it in the `api-key` header, as with Qdrant's `service.api_key`. */
  readonly apiKey?: string;
  /** When set, every request and response is checked against Qdrant's OpenAPI document(s). */
  readonly checker?: QdrantApiChecker;
  /** Called with each problem the checker finds (they are also kept in {@link QdrantStandIn.violations}). */
  readonly onViolation?: (problem: string) => void;
  readonly embedded?: EmbeddedOptions;
}

type Json = Record<string, unknown>;

interface Call {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** A handler's answer: a `result` wrapped as Qdrant does, or (the root route) a bare body. */
type Reply = { readonly result: unknown } | { readonly bare: unknown };

interface Route {
  readonly method: string;
  /** The path template as Qdrant's OpenAPI document writes it. */
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: (call: Call) => Promise<Reply>;
}

/** The body size Qdrant accepts by default (`service.max_request_size_mb: 32`). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const VERSION = '1.18.0';

const STATUS_OF: Partial<Record<DomainError['code'], number>> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  OVERLOADED: 429,
  UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bodyOf(call: Call): Json {
  if (!isObject(call.body)) throw new ValidationError('Format error in JSON body: expected an object');
  return call.body;
}

function flag(v: unknown, fallback: boolean): boolean {
  // with_payload / with_vector also take field or vector lists; any selection counts as "with".
  if (v === undefined || v === null) return fallback;
  return typeof v === 'boolean' ? v : true;
}

function uuidOf(id: unknown): string {
  if (typeof id !== 'string')
    throw new ValidationError('The Qdrant stand-in supports only UUID point ids', { id });
  return normalizeId(id);
}

/** A `with_vector` / `with_payload` list: only these names. */
function selected(v: unknown): readonly string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

function vectorsOut(point: StoredPoint, names: readonly string[] | undefined): Json {
  return Object.fromEntries(
    Object.entries(point.vectors ?? {})
      .filter(([name]) => !names || names.includes(name))
      // Qdrant writes float32 with the shortest text that reads back the same.
      .map(([name, v]) => [name, compactVector(v)]),
  );
}

/** The payload fields a `with_payload` list names (top-level keys or dotted paths), as Qdrant nests them. */
function payloadOut(payload: ProductPayload, fields: readonly string[] | undefined): Json {
  if (!fields) return payload;
  const out: Json = {};
  for (const field of fields) {
    const path = field.split('.');
    let from: unknown = payload;
    for (const key of path) from = isObject(from) ? from[key] : undefined;
    if (from === undefined) continue;
    let to = out;
    for (const key of path.slice(0, -1)) to = isObject(to[key]) ? to[key] : (to[key] = {});
    to[path.at(-1)!] = from;
  }
  return out;
}

/** A record as Qdrant returns it; `body` holds the request's `with_payload` and `with_vector`. */
function record(point: StoredPoint, body: Json, defaults: { payload: boolean; vector: boolean }): Json {
  return {
    id: point.id,
    payload: flag(body.with_payload, defaults.payload)
      ? payloadOut(point.payload, selected(body.with_payload))
      : null,
    vector: flag(body.with_vector, defaults.vector) ? vectorsOut(point, selected(body.with_vector)) : null,
  };
}

function updated(operationId: number, wait: boolean): Reply {
  return { result: { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' } };
}

/**
 * A stand-in for a Qdrant 1.18 server where none can run (CI machines, the soak run): an HTTP server that
 * answers the subset of Qdrant's REST API that `QdrantVectorStore` sends — collections (list, get, exists,
 * create, update, delete, cluster info), payload indexes, aliases, points upsert/delete/retrieve/query/query
 * batch/count/scroll — in Qdrant's
 * response shapes, backed by the {@link EmbeddedVectorStore} in a directory (so it is durable and can run as
 * its own process, shared by an API and an indexer). Qdrant filters are translated back into
 * {@link VectorFilter}s; whatever the embedded store cannot express is a 400, never a silently wider answer.
 *
 * Not Qdrant: no integer ids, unnamed vectors, sparse vectors, distances other than Cosine, or quantisation
 * (accepted and ignored); payload indexes are remembered only for `GET /collections/{name}`.
 */
export class QdrantStandIn {
  readonly violations: string[] = [];
  private readonly routes: Route[];
  private readonly payloadIndexes = new Map<string, Map<string, string>>();
  private operationId = 0;
  private requestCount = 0;

  private constructor(
    private readonly server: Server,
    private readonly store: EmbeddedVectorStore,
    private readonly options: QdrantStandInOptions,
    readonly url: string,
  ) {
    this.routes = this.table();
  }

  static async start(options: QdrantStandInOptions): Promise<QdrantStandIn> {
    const store = await EmbeddedVectorStore.open(options.dir, options.embedded);
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
      });
    } catch (e) {
      await store.close();
      throw e;
    }
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    const standIn = new QdrantStandIn(server, store, options, `http://${host}:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res));
    return standIn;
  }

  /** Requests answered so far. */
  get requests(): number {
    return this.requestCount;
  }

  private table(): Route[] {
    const r = (method: string, template: string, handler: (call: Call) => Promise<Reply>): Route => {
      const names: string[] = [];
      const source = template.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { method, template, pattern: new RegExp(`^${source}$`), names, handler };
    };
    const C = '/collections/{collection_name}';
    return [
      r('GET', '/', () =>
        Promise.resolve({ bare: { title: 'qdrant - vector search engine', version: VERSION } }),
      ),
      r('GET', '/collections', async () => ({
        result: { collections: (await this.store.listCollections()).map((name) => ({ name })) },
      })),
      r('GET', '/aliases', async () => ({
        result: {
          aliases: Object.entries(await this.store.listAliases()).map(([alias_name, collection_name]) => ({
            alias_name,
            collection_name,
          })),
        },
      })),
      r('POST', '/collections/aliases', (c) => this.updateAliases(c)),
      r('GET', `${C}/exists`, async ({ params }) => ({
        result: { exists: (await this.store.listCollections()).includes(params.collection_name!) },
      })),
      r('GET', C, (c) => this.getCollection(c)),
      r('PUT', C, (c) => this.createCollection(c)),
      r('DELETE', C, async ({ params }) => {
        const dropped = await this.store.dropCollection(params.collection_name!);
        this.payloadIndexes.delete(params.collection_name!);
        return { result: dropped };
      }),
      r('PUT', `${C}/index`, (c) => this.createIndex(c)),
      r('PUT', `${C}/points`, (c) => this.upsert(c)),
      r('POST', `${C}/points/delete`, (c) => this.deletePoints(c)),
      r('POST', `${C}/points`, (c) => this.retrieve(c)),
      r('POST', `${C}/points/query`, async (c) => ({
        result: { points: await this.query(c.params.collection_name!, bodyOf(c)) },
      })),
      r('POST', `${C}/points/query/batch`, async (c) => {
        const searches = bodyOf(c).searches;
        if (!Array.isArray(searches)) throw new ValidationError('searches must be an array');
        const name = c.params.collection_name!;
        const results: Json[] = [];
        for (const search of searches as unknown[]) {
          if (!isObject(search)) throw new ValidationError('each search must be an object');
          results.push({ points: await this.query(name, search) });
        }
        return { result: results };
      }),
      r('PATCH', C, async ({ params }) => {
        // Optimizer and parameter updates: the embedded store has neither, so there is nothing to change.
        if (!(await this.store.collectionInfo(params.collection_name!)))
          throw new HttpError(404, `Not found: Collection \`${params.collection_name}\` doesn't exist!`);
        return { result: true };
      }),
      r('GET', `${C}/cluster`, async ({ params }) => {
        const info = await this.store.collectionInfo(params.collection_name!);
        if (!info)
          throw new HttpError(404, `Not found: Collection \`${params.collection_name}\` doesn't exist!`);
        return {
          result: {
            peer_id: 1,
            shard_count: 1,
            local_shards: [{ shard_id: 0, points_count: info.count, state: 'Active' }],
            remote_shards: [],
            shard_transfers: [],
          },
        };
      }),
      r('POST', `${C}/points/count`, async (c) => ({
        result: {
          count: await this.store.count(c.params.collection_name!, fromQdrantFilter(bodyOf(c).filter)),
        },
      })),
      r('POST', `${C}/points/scroll`, (c) => this.scroll(c)),
    ];
  }

  private async getCollection({ params }: Call): Promise<Reply> {
    const info = await this.store.collectionInfo(params.collection_name!);
    if (!info) throw new HttpError(404, `Not found: Collection \`${params.collection_name}\` doesn't exist!`);
    const indexes = this.payloadIndexes.get(info.name) ?? new Map<string, string>();
    return {
      result: {
        status: 'green',
        optimizer_status: 'ok',
        indexed_vectors_count: info.count,
        points_count: info.count,
        segments_count: 1,
        config: {
          params: {
            vectors: Object.fromEntries(info.vectors.map((v) => [v, { size: info.dim, distance: 'Cosine' }])),
            shard_number: 1,
            replication_factor: 1,
            write_consistency_factor: 1,
            on_disk_payload: true,
          },
          hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
          optimizer_config: { default_segment_number: 0, flush_interval_sec: 5 },
          wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
          quantization_config: null,
        },
        payload_schema: Object.fromEntries(
          [...indexes].map(([field, type]) => [field, { data_type: type, points: info.count }]),
        ),
      },
    };
  }

  private async createCollection(call: Call): Promise<Reply> {
    const name = call.params.collection_name!;
    const vectors = bodyOf(call).vectors;
    if (!isObject(vectors) || 'size' in vectors)
      throw new ValidationError('The Qdrant stand-in supports only named vectors');
    const named = Object.entries(vectors);
    const sizes = new Set<unknown>();
    for (const [vector, params] of named) {
      if (!isObject(params) || params.distance !== 'Cosine')
        throw new ValidationError(`The Qdrant stand-in supports only Cosine distance (vector ${vector})`);
      sizes.add(params.size);
    }
    if (sizes.size !== 1) throw new ValidationError('The Qdrant stand-in needs one size for every vector');
    if ((await this.store.listCollections()).includes(name) || (await this.store.resolveAlias(name)))
      throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    await this.store.ensureCollection({
      name,
      dim: [...sizes][0] as number,
      vectors: named.map(([vector]) => vector as VectorName),
    });
    return { result: true };
  }

  private async createIndex(call: Call): Promise<Reply> {
    const name = call.params.collection_name!;
    const { field_name, field_schema } = bodyOf(call);
    if (typeof field_name !== 'string') throw new ValidationError('field_name must be a string');
    const info = await this.store.collectionInfo(name);
    if (!info) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    const type =
      typeof field_schema === 'string'
        ? field_schema
        : isObject(field_schema)
          ? field_schema.type
          : undefined;
    const indexes = this.payloadIndexes.get(info.name) ?? new Map<string, string>();
    indexes.set(field_name, typeof type === 'string' ? type : 'keyword');
    this.payloadIndexes.set(info.name, indexes);
    return updated(++this.operationId, call.query.wait === 'true');
  }

  private async updateAliases(call: Call): Promise<Reply> {
    const actions = bodyOf(call).actions;
    if (!Array.isArray(actions)) throw new ValidationError('actions must be an array');
    // Qdrant applies the whole list under one lock: compute the end state first, then apply it alias by alias
    // (each switch is atomic in the embedded store), so a bad action changes nothing.
    const before = await this.store.listAliases();
    const after = { ...before };
    const collections = new Set(await this.store.listCollections());
    for (const a of actions as unknown[]) {
      if (!isObject(a)) throw new ValidationError('an alias action must be an object');
      const [kind, arg] = Object.entries(a)[0] ?? [];
      if (!isObject(arg)) throw new ValidationError('an alias action needs its arguments');
      if (kind === 'create_alias') {
        const target = String(arg.collection_name);
        if (!collections.has(target))
          throw new HttpError(404, `Not found: Collection \`${target}\` doesn't exist!`);
        after[String(arg.alias_name)] = target;
      } else if (kind === 'delete_alias') {
        delete after[String(arg.alias_name)];
      } else if (kind === 'rename_alias') {
        const old = String(arg.old_alias_name);
        const target = after[old];
        if (target === undefined) throw new HttpError(404, `Not found: Alias ${old} does not exist!`);
        delete after[old];
        after[String(arg.new_alias_name)] = target;
      } else {
        throw new ValidationError(`unknown alias action ${String(kind)}`);
      }
    }
    for (const [alias, target] of Object.entries(after)) {
      if (before[alias] !== target) await this.store.switchAlias(alias, target);
    }
    for (const alias of Object.keys(before)) {
      if (!(alias in after)) await this.store.deleteAlias(alias);
    }
    return { result: true };
  }

  private async upsert(call: Call): Promise<Reply> {
    const body = bodyOf(call);
    if (!Array.isArray(body.points))
      throw new ValidationError('The Qdrant stand-in supports only { points: [...] }');
    const points = body.points.map((p: unknown): PointInput => {
      if (!isObject(p) || !isObject(p.vector))
        throw new ValidationError('The Qdrant stand-in supports only points with named vectors');
      const vectors: Partial<Record<VectorName, number[]>> = {};
      for (const [name, v] of Object.entries(p.vector)) {
        if (!(VECTOR_NAMES as readonly string[]).includes(name) || !Array.isArray(v))
          throw new ValidationError(`Wrong input: Not existing vector name error: ${name}`);
        vectors[name as VectorName] = v as number[];
      }
      return { id: uuidOf(p.id), vectors, payload: (isObject(p.payload) ? p.payload : {}) as ProductPayload };
    });
    const wait = call.query.wait === 'true';
    await this.store.upsert(call.params.collection_name!, points, { wait });
    return updated(++this.operationId, wait);
  }

  private async deletePoints(call: Call): Promise<Reply> {
    const body = bodyOf(call);
    if (!Array.isArray(body.points))
      throw new ValidationError('The Qdrant stand-in deletes only by { points: [...] }');
    const wait = call.query.wait === 'true';
    await this.store.delete(call.params.collection_name!, body.points.map(uuidOf), { wait });
    return updated(++this.operationId, wait);
  }

  private async retrieve(call: Call): Promise<Reply> {
    const body = bodyOf(call);
    if (!Array.isArray(body.ids)) throw new ValidationError('ids must be an array');
    const points = await this.store.get(call.params.collection_name!, body.ids.map(uuidOf), {
      withVectors: flag(body.with_vector, false),
    });
    return { result: points.map((p) => record(p, body, { payload: true, vector: false })) };
  }

  private async query(collection: string, body: Json): Promise<Json[]> {
    const raw = isObject(body.query) && 'nearest' in body.query ? body.query.nearest : body.query;
    if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'number'))
      throw new ValidationError('The Qdrant stand-in answers only nearest-vector queries');
    if (typeof body.using !== 'string')
      throw new ValidationError('The Qdrant stand-in needs `using` (named vectors)');
    const params = isObject(body.params) ? body.params : {};
    const hits = await this.store.search(collection, {
      vector: body.using as VectorName,
      query: raw,
      limit: typeof body.limit === 'number' ? body.limit : 10,
      ...(typeof body.offset === 'number' ? { offset: body.offset } : {}),
      ...(params.exact === true ? { exact: true } : {}),
      filter: fromQdrantFilter(body.filter),
      withVectors: flag(body.with_vector, false),
    });
    const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : -Infinity;
    return hits
      .filter((h) => h.score >= threshold)
      .map((h) => ({ ...record(h, body, { payload: false, vector: false }), version: 0, score: h.score }));
  }

  private async scroll(call: Call): Promise<Reply> {
    const body = bodyOf(call);
    const name = call.params.collection_name!;
    const page = await this.store.scrollIds(name, {
      limit: typeof body.limit === 'number' ? body.limit : 10,
      ...(body.offset !== undefined && body.offset !== null ? { cursor: uuidOf(body.offset) } : {}),
      filter: fromQdrantFilter(body.filter),
    });
    const withPayload = flag(body.with_payload, true);
    const withVector = flag(body.with_vector, false);
    const points =
      withPayload || withVector
        ? await this.store.get(name, page.ids, { withVectors: withVector })
        : page.ids.map((id): StoredPoint => ({ id, payload: {} }));
    return {
      result: {
        points: points.map((p) => record(p, body, { payload: true, vector: false })),
        next_page_offset: page.next ?? null,
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requestCount++;
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let status = 200;
    let payload: unknown;
    try {
      if (this.options.apiKey !== undefined && req.headers['api-key'] !== this.options.apiKey)
        throw new HttpError(401, 'Must provide an API key or an Authorization bearer token');
      const body = await readJson(req);
      let match: RegExpExecArray | null = null;
      route = this.routes.find((r) => r.method === method && (match = r.pattern.exec(url.pathname)) !== null);
      if (!route || !match)
        throw new HttpError(404, `The Qdrant stand-in has no route ${method} ${url.pathname}`);
      const found: RegExpExecArray = match;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(found[i + 1]!)]));
      const query = Object.fromEntries(url.searchParams);
      this.report(route, 'request', this.options.checker?.checkRequest(method, route.template, query, body));
      const reply = await route.handler({ params, query, body });
      payload =
        'bare' in reply
          ? reply.bare
          : { result: reply.result, status: 'ok', time: Number(process.hrtime.bigint() - started) / 1e9 };
    } catch (e) {
      status =
        e instanceof HttpError ? e.status : e instanceof DomainError ? (STATUS_OF[e.code] ?? 500) : 500;
      const message = e instanceof Error ? e.message : String(e);
      const prefix =
        status === 400
          ? 'Bad request: '
          : status === 404 && !message.startsWith('Not found')
            ? 'Not found: '
            : '';
      payload = {
        status: { error: `${prefix}${message}` },
        time: Number(process.hrtime.bigint() - started) / 1e9,
      };
    }
    if (route)
      this.report(
        route,
        `${status} response`,
        this.options.checker?.checkResponse(method, route.template, status, payload),
      );
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private report(route: Route, what: string, problems: readonly string[] | undefined): void {
    for (const p of problems ?? []) {
      const line = `${route.method} ${route.template} ${what}: ${p}`;
      this.violations.push(line);
      this.options.onViolation?.(line);
    }
  }

  /** Stops answering and closes the store (flushing it). */
  async close(): Promise<void> {
    // Clients keep connections alive; close() alone would wait for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
    await this.store.close();
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `Payload error: JSON payload is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, `Format error in JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}
