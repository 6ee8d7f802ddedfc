import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QdrantApiChecker } from './openapi-check';

/** A request as the fake server received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** What a route answers: a `result` (wrapped like Qdrant does) or an HTTP error with Qdrant's error body. */
export type FakeReply = { readonly result: unknown } | { readonly status: number; readonly error: string };

type Handler = (req: RecordedRequest, params: readonly string[]) => FakeReply;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const UPDATED = { result: { operation_id: 1, status: 'completed' } };
const COLLECTION = '([^/]+)';

function route(method: string, path: string, handler: Handler): Route {
  return { method, pattern: new RegExp(`^${path}$`), handler };
}

/** Answers of an empty Qdrant 1.18, in the shapes of its OpenAPI schema (`{ result, status: 'ok', time }`). */
function defaults(): Route[] {
  return [
    route('GET', '/', () => ({ result: undefined })),
    route('GET', '/aliases', () => ({ result: { aliases: [] } })),
    route('GET', '/collections', () => ({ result: { collections: [] } })),
    route('POST', '/collections/aliases', () => ({ result: true })),
    route('GET', `/collections/${COLLECTION}/exists`, () => ({ result: { exists: false } })),
    route('GET', `/collections/${COLLECTION}`, (_r, [name]) => ({
      status: 404,
      error: `Not found: Collection \`${name}\` doesn't exist!`,
    })),
    route('PUT', `/collections/${COLLECTION}`, () => ({ result: true })),
    route('DELETE', `/collections/${COLLECTION}`, () => ({ result: true })),
    route('PUT', `/collections/${COLLECTION}/index`, () => UPDATED),
    route('PUT', `/collections/${COLLECTION}/points`, () => UPDATED),
    route('POST', `/collections/${COLLECTION}/points/delete`, () => UPDATED),
    route('POST', `/collections/${COLLECTION}/points`, () => ({ result: [] })),
    route('POST', `/collections/${COLLECTION}/points/query`, () => ({ result: { points: [] } })),
    route('POST', `/collections/${COLLECTION}/points/query/batch`, (r) => ({
      result: ((r.body as { searches?: unknown[] } | undefined)?.searches ?? []).map(() => ({ points: [] })),
    })),
    route('PATCH', `/collections/${COLLECTION}`, () => ({ result: true })),
    route('GET', `/collections/${COLLECTION}/cluster`, () => ({
      result: {
        peer_id: 1,
        shard_count: 1,
        local_shards: [{ shard_id: 0, points_count: 0, state: 'Active' }],
        remote_shards: [],
        shard_transfers: [],
      },
    })),
    route('POST', `/collections/${COLLECTION}/points/count`, () => ({ result: { count: 0 } })),
    route('POST', `/collections/${COLLECTION}/points/scroll`, () => ({
      result: { points: [], next_page_offset: null },
    })),
  ];
}

/** The OpenAPI path template of a request path (`/collections/c1/points` → `/collections/{collection_name}/points`). */
function templateOf(path: string): string {
  return path.replace(/^\/collections\/(?!aliases$)[^/]+/, '/collections/{collection_name}');
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stand-in for the Qdrant REST API on 127.0.0.1: records every request and answers with Qdrant's JSON
 * shapes, so tests can assert on exactly what the adapter sends. Routes registered with {@link on} take
 * precedence over the defaults (an empty server).
 */
export class FakeQdrant {
  readonly requests: RecordedRequest[] = [];
  /** The request bodies as sent (text), in the order of {@link requests}. */
  readonly rawBodies: string[] = [];
  /** What the checker found wrong with a request or an answer, as `METHOD template: problem`. */
  readonly violations: string[] = [];
  private readonly routes: Route[] = defaults();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly checker: QdrantApiChecker | undefined,
  ) {}

  /**
   * With a `checker`, every request the adapter sends and every answer given (defaults and {@link on} routes
   * alike) is checked against Qdrant's OpenAPI documents; problems go to {@link violations}.
   */
  static async start(checker?: QdrantApiChecker): Promise<FakeQdrant> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeQdrant(server, `http://127.0.0.1:${port}`, checker);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** Answers `method path` (a regular expression source matched against the whole path) with `handler`. */
  on(method: string, path: string, handler: Handler | FakeReply): void {
    this.routes.unshift(route(method, path, typeof handler === 'function' ? handler : () => handler));
  }

  /** Requests other than the version probe, as `METHOD /path?query`. */
  lines(): string[] {
    return this.requests.map((r) => {
      const qs = new URLSearchParams(r.query as Record<string, string>).toString();
      return `${r.method} ${r.path}${qs ? `?${qs}` : ''}`;
    });
  }

  clear(): void {
    this.requests.length = 0;
    this.rawBodies.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readText(req);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.requests.push(recorded);
    this.rawBodies.push(text);
    let reply: FakeReply = { status: 404, error: `No route for ${recorded.method} ${recorded.path}` };
    for (const r of this.routes) {
      const m = r.method === recorded.method ? r.pattern.exec(recorded.path) : null;
      if (m) {
        reply = r.handler(recorded, m.slice(1));
        break;
      }
    }
    const [status, body] =
      'error' in reply
        ? [reply.status, { status: { error: reply.error }, time: 0.0001 }]
        : recorded.path === '/'
          ? [200, { title: 'qdrant - vector search engine', version: '1.18.3' }]
          : [200, { result: reply.result, status: 'ok', time: 0.0001 }];
    if (this.checker) {
      const template = templateOf(recorded.path);
      const where = `${recorded.method} ${template}`;
      for (const p of this.checker.checkRequest(recorded.method, template, recorded.query, recorded.body))
        this.violations.push(`${where} request: ${p}`);
      for (const p of this.checker.checkResponse(recorded.method, template, status, body))
        this.violations.push(`${where} ${status} response: ${p}`);
    }
    res.setHeader('content-type', 'application/json');
    res.statusCode = status;
    res.end(JSON.stringify(body));
  }

  async close(): Promise<void> {
    // The client keeps connections alive; close() alone would wait for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }
}
