import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { envSchema, type Env } from './config.schema';

/** The whole configuration, validated once at boot. */
export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  /** `auto`: coloured one-line logs on a terminal, JSON lines otherwise (see `resolveLogFormat`). */
  readonly logFormat: Env['LOG_FORMAT'];
  /** Absolute path of the folder that holds embedded-mode data (PGlite, vectors). */
  readonly dataDir: string;
  /** `embedded` when no external service is configured for that part. */
  readonly database:
    | {
        readonly kind: 'postgres';
        readonly url: string;
        readonly poolSize: number;
        /** The longest one catalog query (or the wait for a pooled connection) may take; 30 s when absent. */
        readonly queryTimeoutMs?: number;
      }
    | { readonly kind: 'pglite'; readonly dir: string; readonly queryTimeoutMs?: number };
  readonly queue:
    | {
        readonly kind: 'redis';
        readonly url: string;
        readonly prefix: string;
        /** The longest any call to Redis may take (enqueue, counts, status) before it fails as UNAVAILABLE. */
        readonly timeoutMs: number;
      }
    | { readonly kind: 'in-process' };
  readonly vectors:
    | {
        readonly kind: 'qdrant';
        readonly url: string;
        readonly apiKey: string | undefined;
        readonly quantization: Env['QDRANT_QUANTIZATION'];
        /** Candidates prescanned per wanted hit on int8 copies before rescoring (int8 only). */
        readonly oversampling: number;
        /** Layout of collections created from now on; undefined leaves Qdrant's default (1). */
        readonly shards: number | undefined;
        readonly replicationFactor: number | undefined;
        readonly writeConsistencyFactor: number | undefined;
        /** Original vectors of new collections memory-mapped from disk instead of held in RAM. */
        readonly onDiskVectors: boolean;
        /** How long an alias switch waits for the new collection to be ready (green, shards active). */
        readonly readyTimeoutMs: number;
      }
    | { readonly kind: 'embedded'; readonly dir: string };
  readonly embedding: {
    readonly modelDir: string;
    readonly device: Env['EMBEDDING_DEVICE'];
    /** 0 lets onnxruntime decide. */
    readonly threads: number;
    readonly batchSize: number;
    readonly maxWaitMs: number;
    readonly queueLimit: number;
    /** An embedding service (apps/embedder or Triton) to run the graphs on; undefined: in-process. */
    readonly url: string | undefined;
    /** Longest one request to the embedding service may take. */
    readonly timeoutMs: number;
  };
  readonly images: {
    readonly maxPixels: number;
    readonly maxBytes: number;
    readonly fetchTimeoutMs: number;
    readonly fetchMaxRedirects: number;
    readonly fetchAllowPrivate: boolean;
  };
  readonly indexer: {
    readonly concurrency: number;
    /** How long a job's lock lives; a worker killed with -9 hands its jobs back after about this long. */
    readonly lockDurationMs: number;
    /**
     * The largest share of the catalog a full reindex may fail to index and still switch the alias (0 to 1); over
     * it, the run ends failed, the old collection keeps serving and the new one is deleted.
     */
    readonly reindexMaxFailedRatio: number;
    /** How often each API and indexer process looks for index work in the catalog's outbox. */
    readonly outboxPollMs: number;
    /**
     * The file the indexer process touches every few seconds while it runs; its container health check reads the
     * file's age (`node dist/apps/indexer/src/healthcheck.js`).
     */
    readonly heartbeatFile: string;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly adminApiKeys: readonly string[];
    readonly corsOrigins: readonly string[];
    /** Requests per minute per client across all public routes together; 0 turns the limit off. */
    readonly rateLimitPerMinute: number;
    /** Failed admin authentications per minute per client before admin routes answer 429 to that client. */
    readonly adminAuthFailuresPerMinute: number;
    /** Largest catalog file `POST /v1/admin/import` accepts, in bytes. */
    readonly adminImportMaxBytes: number;
    /**
     * Which proxies may set the client address through `X-Forwarded-For` (Fastify's `trustProxy`): `false` (the
     * default: the socket's peer is the client), a hop count, or addresses/subnets (`loopback`, `10.0.0.0/8`).
     */
    readonly trustProxy: false | number | readonly string[];
    /** Prometheus `/metrics`: off, public, or behind `Authorization: Bearer <apiKey>`. */
    readonly metrics: { readonly enabled: boolean; readonly apiKey: string | undefined };
    /** Swagger UI and the OpenAPI document (`<path>/openapi.json`); `path` has no leading or trailing slash. */
    readonly docs: { readonly enabled: boolean; readonly path: string };
    /** `auto`: import the demo catalog at boot when the catalog is empty and the database is embedded. */
    readonly seedDemoCatalog: Env['SEED_DEMO_CATALOG'];
  };
  /** Retrieval and ranking (libs/search). */
  readonly search: {
    /** First-stage candidates per retriever, fused and reranked before paging. */
    readonly candidates: number;
    /** Reciprocal rank fusion constant k in `w / (k + rank)`. */
    readonly rrfK: number;
    /** How much each kind of evidence counts, in fusion and in reranking. */
    readonly weights: { readonly image: number; readonly text: number; readonly lexical: number };
    /** Second stage on by default (a request may turn it off). */
    readonly rerank: boolean;
    /** Added to the reranked score of in-stock products. */
    readonly boostInStock: number;
    /** Weight of `attributes.popularity` (log-scaled within the candidates) in the reranked score. */
    readonly boostPopularity: number;
    /** Maximal marginal relevance trade-off: 1 = pure relevance, lower = more diverse results. */
    readonly mmrLambda: number;
    /** Query texts whose embeddings are kept (LRU); 0 turns the cache off. */
    readonly queryCacheSize: number;
    /**
     * Relevance cutoff: the lowest cosine similarity of a word query to a product's vector that counts as evidence
     * (besides a full-text match). Undefined: the model's calibrated value (`vitrine-search-calibration.json`), or
     * no cutoff for a model without one.
     */
    readonly minSimilarity?: number;
  };
  /** Product Q&A, attribute extraction and generated descriptions (libs/attributes, vqa, descriptions, chat). */
  readonly insights: {
    /** An OpenAI-compatible chat-completions endpoint with image input, for free-form answers and descriptions. */
    readonly answerer:
      | {
          readonly url: string;
          readonly model: string;
          readonly apiKey: string | undefined;
          readonly timeoutMs: number;
        }
      | undefined;
    /** Below this confidence an answer is "I can't tell". */
    readonly vqaMinConfidence: number;
    /** Attributes read from a picture below this confidence are stored but never used as facts. */
    readonly attributeMinConfidence: number;
    /** Whether the indexer extracts attributes after embedding a product. */
    readonly extractOnIndex: boolean;
    /** Fitted logit scales (`eval-vqa --fit-calibration`); absolute path. */
    readonly calibrationFile: string | undefined;
    /** Vocabulary overrides (JSON); absolute path. */
    readonly vocabularyFile: string | undefined;
  };
  /** The shopping-assistant chat (libs/assistant). */
  readonly chat: {
    /** Conversations untouched for longer are deleted. */
    readonly retentionDays: number;
    /** With an answerer (`ANSWERER_URL`): the remote model plans turns with tools (search, detail, ask, similar). */
    readonly remoteTools: boolean;
  };
  /** Search and storefront-event analytics (libs/analytics). */
  readonly analytics: {
    /** Searches and events older than this are deleted. */
    readonly retentionDays: number;
  };
}

/** Thrown at boot when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.') || '(environment)';
  return `${name}: ${issue.message}`;
}

/**
 * Validates `env` (normally `process.env`) into an {@link AppConfig}. Empty strings count as unset,
 * so `FOO=` in an .env file falls back to the default instead of failing.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describe));
  const e = parsed.data;
  if (e.ANSWERER_URL && !e.ANSWERER_MODEL) {
    throw new ConfigError([
      'ANSWERER_MODEL: required when ANSWERER_URL is set (the model name the endpoint serves)',
    ]);
  }
  const production = e.NODE_ENV === 'production';
  const problems = [
    ...qdrantProblems(e, cleaned),
    ...(production ? adminKeyProblems(e.ADMIN_API_KEYS) : []),
    ...(e.TRUST_PROXY === undefined ? [] : trustProxyProblems(e.TRUST_PROXY)),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    dataDir,
    database: e.DATABASE_URL
      ? {
          kind: 'postgres',
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
        }
      : { kind: 'pglite', dir: path.join(dataDir, 'pglite'), queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS },
    queue: e.REDIS_URL
      ? { kind: 'redis', url: e.REDIS_URL, prefix: e.QUEUE_PREFIX, timeoutMs: e.QUEUE_TIMEOUT_MS }
      : { kind: 'in-process' },
    vectors: e.QDRANT_URL
      ? {
          kind: 'qdrant',
          url: e.QDRANT_URL,
          apiKey: e.QDRANT_API_KEY,
          quantization: e.QDRANT_QUANTIZATION,
          oversampling: e.QDRANT_OVERSAMPLING ?? 2,
          shards: e.QDRANT_SHARDS,
          replicationFactor: e.QDRANT_REPLICATION_FACTOR,
          writeConsistencyFactor: e.QDRANT_WRITE_CONSISTENCY,
          onDiskVectors: e.QDRANT_ON_DISK_VECTORS,
          readyTimeoutMs: e.QDRANT_READY_TIMEOUT_MS,
        }
      : { kind: 'embedded', dir: path.join(dataDir, 'vectors') },
    embedding: {
      modelDir: path.resolve(cwd, e.MODEL_DIR),
      device: e.EMBEDDING_DEVICE,
      threads: e.EMBEDDING_THREADS,
      batchSize: e.EMBEDDING_BATCH_SIZE,
      maxWaitMs: e.EMBEDDING_MAX_WAIT_MS,
      queueLimit: e.EMBEDDING_QUEUE_LIMIT,
      url: e.EMBEDDING_URL,
      timeoutMs: e.EMBEDDING_TIMEOUT_MS,
    },
    images: {
      maxPixels: e.IMAGE_MAX_PIXELS,
      maxBytes: e.IMAGE_MAX_BYTES,
      fetchTimeoutMs: e.IMAGE_FETCH_TIMEOUT_MS,
      fetchMaxRedirects: e.IMAGE_FETCH_MAX_REDIRECTS,
      fetchAllowPrivate: e.IMAGE_FETCH_ALLOW_PRIVATE,
    },
    indexer: {
      concurrency: e.INDEXER_CONCURRENCY,
      lockDurationMs: e.INDEXER_LOCK_MS,
      reindexMaxFailedRatio: e.REINDEX_MAX_FAILED_RATIO,
      outboxPollMs: e.OUTBOX_POLL_MS,
      heartbeatFile: path.resolve(
        cwd,
        e.INDEXER_HEARTBEAT_FILE ?? path.join(tmpdir(), 'vitrine-indexer.heartbeat'),
      ),
    },
    http: {
      host: e.HOST,
      port: e.PORT,
      adminApiKeys: e.ADMIN_API_KEYS,
      corsOrigins: e.CORS_ORIGINS,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      adminAuthFailuresPerMinute: e.ADMIN_AUTH_FAILURES_PER_MINUTE,
      adminImportMaxBytes: e.ADMIN_IMPORT_MAX_BYTES,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      // In production the operator endpoints are off unless asked for: an API published to the internet should not
      // hand out its traffic figures or a map of its admin routes by default.
      metrics: { enabled: e.METRICS_ENABLED ?? !production, apiKey: e.METRICS_API_KEY },
      docs: { enabled: e.DOCS_ENABLED ?? !production, path: e.DOCS_PATH.replace(/^\/+|\/+$/g, '') },
      seedDemoCatalog: e.SEED_DEMO_CATALOG,
    },
    search: {
      candidates: e.SEARCH_CANDIDATES,
      rrfK: e.SEARCH_RRF_K,
      weights: { image: e.SEARCH_WEIGHT_IMAGE, text: e.SEARCH_WEIGHT_TEXT, lexical: e.SEARCH_WEIGHT_LEXICAL },
      rerank: e.SEARCH_RERANK,
      boostInStock: e.SEARCH_BOOST_IN_STOCK,
      boostPopularity: e.SEARCH_BOOST_POPULARITY,
      mmrLambda: e.SEARCH_MMR_LAMBDA,
      queryCacheSize: e.SEARCH_QUERY_CACHE_SIZE,
      minSimilarity: e.SEARCH_MIN_SIMILARITY,
    },
    insights: {
      answerer:
        e.ANSWERER_URL && e.ANSWERER_MODEL
          ? {
              url: e.ANSWERER_URL,
              model: e.ANSWERER_MODEL,
              apiKey: e.ANSWERER_API_KEY,
              timeoutMs: e.ANSWERER_TIMEOUT_MS,
            }
          : undefined,
      vqaMinConfidence: e.VQA_MIN_CONFIDENCE,
      attributeMinConfidence: e.ATTRIBUTE_MIN_CONFIDENCE,
      extractOnIndex: e.ATTRIBUTE_EXTRACTION,
      calibrationFile: e.ATTRIBUTE_CALIBRATION_FILE
        ? path.resolve(cwd, e.ATTRIBUTE_CALIBRATION_FILE)
        : undefined,
      vocabularyFile: e.ATTRIBUTE_VOCABULARY_FILE
        ? path.resolve(cwd, e.ATTRIBUTE_VOCABULARY_FILE)
        : undefined,
    },
    chat: { retentionDays: e.CHAT_RETENTION_DAYS, remoteTools: e.CHAT_REMOTE_TOOLS },
    analytics: { retentionDays: e.ANALYTICS_RETENTION_DAYS },
  };
}

/** Variables that shape how Vitrine uses a Qdrant server: set without `QDRANT_URL`, they would do nothing. */
const QDRANT_ONLY = [
  'QDRANT_QUANTIZATION',
  'QDRANT_OVERSAMPLING',
  'QDRANT_SHARDS',
  'QDRANT_REPLICATION_FACTOR',
  'QDRANT_WRITE_CONSISTENCY',
  'QDRANT_ON_DISK_VECTORS',
  'QDRANT_READY_TIMEOUT_MS',
] as const;

/** Qdrant settings that cannot work together, or that are set for a Qdrant that is not configured. */
function qdrantProblems(e: Env, raw: Readonly<Record<string, unknown>>): string[] {
  if (!e.QDRANT_URL)
    return QDRANT_ONLY.filter((name) => name in raw).map(
      (name) =>
        `${name}: applies to Qdrant only; set QDRANT_URL too, or unset it (the embedded store is in use)`,
    );
  const problems: string[] = [];
  if (e.QDRANT_OVERSAMPLING !== undefined && e.QDRANT_QUANTIZATION !== 'int8')
    problems.push(
      'QDRANT_OVERSAMPLING: applies to quantised searches only; set QDRANT_QUANTIZATION=int8 or unset it',
    );
  const replicas = e.QDRANT_REPLICATION_FACTOR ?? 1;
  if (e.QDRANT_WRITE_CONSISTENCY !== undefined && e.QDRANT_WRITE_CONSISTENCY > replicas)
    problems.push(
      `QDRANT_WRITE_CONSISTENCY: ${e.QDRANT_WRITE_CONSISTENCY} replicas cannot acknowledge a write when each shard has ${replicas} (QDRANT_REPLICATION_FACTOR); use at most ${replicas}`,
    );
  return problems;
}

/** Admin keys shorter than this are guessable; `openssl rand -hex 32` makes a good one. */
export const MIN_ADMIN_KEY_LENGTH = 32;
/** Values that sample files and compose defaults have used: never valid in production. */
const PLACEHOLDER_KEYS = new Set(['change-me', 'changeme', 'secret', 'password', 'admin', 'test']);

/** Why `ADMIN_API_KEYS` is unfit for production (none, a placeholder, or a short key), without echoing a key. */
function adminKeyProblems(keys: readonly string[]): string[] {
  const fix = `set ADMIN_API_KEYS to random keys of at least ${MIN_ADMIN_KEY_LENGTH} characters (openssl rand -hex 32)`;
  if (keys.length === 0) return [`ADMIN_API_KEYS: required when NODE_ENV=production; ${fix}`];
  return keys.flatMap((key, i) =>
    PLACEHOLDER_KEYS.has(key.toLowerCase())
      ? [`ADMIN_API_KEYS: key ${i + 1} is a placeholder value, refused when NODE_ENV=production; ${fix}`]
      : key.length < MIN_ADMIN_KEY_LENGTH
        ? [
            `ADMIN_API_KEYS: key ${i + 1} has ${key.length} characters, refused when NODE_ENV=production; ${fix}`,
          ]
        : [],
  );
}

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `TRUST_PROXY`'s problems: `true` (anyone could claim any address) and entries that are not addresses. */
function trustProxyProblems(value: string): string[] {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes')
    return [
      'TRUST_PROXY: "true" would let any client choose its address through X-Forwarded-For; give the number of proxies in front of Vitrine (1) or their addresses (loopback, 10.0.0.0/8)',
    ];
  if (['false', 'no', '0'].includes(v) || /^[1-9]\d?$/.test(v)) return [];
  return v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '' && !TRUST_PROXY_NAMES.has(x) && !isAddressOrSubnet(x))
    .map(
      (x) =>
        `TRUST_PROXY: "${x}" is not a proxy count, an IP address, a subnet or loopback/linklocal/uniquelocal`,
    );
}

function isAddressOrSubnet(s: string): boolean {
  const [address = '', bits, ...rest] = s.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(value: string | undefined): false | number | readonly string[] {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || ['false', 'no', '0'].includes(v)) return false;
  if (/^[1-9]\d?$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}
