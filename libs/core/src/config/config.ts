import * as path from 'node:path';
import { z } from 'zod';
import { envSchema, type Env } from './config.schema';

/** The whole configuration, validated once at boot. */
export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  /** Absolute path of the folder that holds embedded-mode data (PGlite, vectors). */
  readonly dataDir: string;
  /** `embedded` when no external service is configured for that part. */
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    | { readonly kind: 'pglite'; readonly dir: string };
  readonly queue:
    | { readonly kind: 'redis'; readonly url: string; readonly prefix: string }
    | { readonly kind: 'in-process' };
  readonly vectors:
    | {
        readonly kind: 'qdrant';
        readonly url: string;
        readonly apiKey: string | undefined;
        readonly quantization: Env['QDRANT_QUANTIZATION'];
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
  };
  readonly images: {
    readonly maxPixels: number;
    readonly maxBytes: number;
    readonly fetchTimeoutMs: number;
    readonly fetchMaxRedirects: number;
    readonly fetchAllowPrivate: boolean;
  };
  readonly indexer: { readonly concurrency: number };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly adminApiKeys: readonly string[];
    readonly corsOrigins: readonly string[];
    readonly rateLimitPerMinute: number;
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
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    queue: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, prefix: e.QUEUE_PREFIX } : { kind: 'in-process' },
    vectors: e.QDRANT_URL
      ? { kind: 'qdrant', url: e.QDRANT_URL, apiKey: e.QDRANT_API_KEY, quantization: e.QDRANT_QUANTIZATION }
      : { kind: 'embedded', dir: path.join(dataDir, 'vectors') },
    embedding: {
      modelDir: path.resolve(cwd, e.MODEL_DIR),
      device: e.EMBEDDING_DEVICE,
      threads: e.EMBEDDING_THREADS,
      batchSize: e.EMBEDDING_BATCH_SIZE,
      maxWaitMs: e.EMBEDDING_MAX_WAIT_MS,
      queueLimit: e.EMBEDDING_QUEUE_LIMIT,
    },
    images: {
      maxPixels: e.IMAGE_MAX_PIXELS,
      maxBytes: e.IMAGE_MAX_BYTES,
      fetchTimeoutMs: e.IMAGE_FETCH_TIMEOUT_MS,
      fetchMaxRedirects: e.IMAGE_FETCH_MAX_REDIRECTS,
      fetchAllowPrivate: e.IMAGE_FETCH_ALLOW_PRIVATE,
    },
    indexer: { concurrency: e.INDEXER_CONCURRENCY },
    http: {
      host: e.HOST,
      port: e.PORT,
      adminApiKeys: e.ADMIN_API_KEYS,
      corsOrigins: e.CORS_ORIGINS,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    },
  };
}
