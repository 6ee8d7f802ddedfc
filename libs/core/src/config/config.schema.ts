import { z } from 'zod';

/** Parses "true"/"false"/"1"/"0" the way people write them in .env files. */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A non-negative ranking weight or boost. */
const weight = z.coerce.number().min(0).max(100);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((u) => protocols.includes(new URL(u).protocol), `must use ${protocols.join(' or ')}`)
    .optional();
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/**
 * Every environment variable Vitrine reads. Nothing else in the code base reads `process.env`:
 * the parsed, typed {@link AppConfig} is injected where it is needed.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  DATA_DIR: z.string().min(1).default('./.vitrine'),

  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATABASE_QUERY_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  QUEUE_PREFIX: z.string().min(1).default('vitrine'),
  QUEUE_TIMEOUT_MS: int(50, 60_000).default(1000),
  QDRANT_URL: optionalUrl(['http:', 'https:']),
  QDRANT_API_KEY: z.string().min(1).optional(),
  QDRANT_QUANTIZATION: z.enum(['none', 'int8']).default('none'),
  QDRANT_OVERSAMPLING: z.coerce.number().min(1).max(16).optional(),
  QDRANT_SHARDS: int(1, 1024).optional(),
  QDRANT_REPLICATION_FACTOR: int(1, 64).optional(),
  QDRANT_WRITE_CONSISTENCY: int(1, 64).optional(),
  QDRANT_ON_DISK_VECTORS: bool.default(false),
  QDRANT_READY_TIMEOUT_MS: int(1000, 86_400_000).default(600_000),

  MODEL_DIR: z.string().min(1).default('models/demo-clip'),
  EMBEDDING_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  EMBEDDING_THREADS: int(0, 256).default(0),
  EMBEDDING_BATCH_SIZE: int(1, 1024).default(32),
  EMBEDDING_MAX_WAIT_MS: int(0, 1000).default(0),
  EMBEDDING_QUEUE_LIMIT: int(1, 100_000).default(1024),
  EMBEDDING_URL: optionalUrl(['http:', 'https:']),
  EMBEDDING_TIMEOUT_MS: int(100, 600_000).default(30_000),

  IMAGE_MAX_PIXELS: int(1, 1_000_000_000).default(40_000_000),
  IMAGE_MAX_BYTES: int(1, 1_000_000_000).default(20 * 1024 * 1024),
  IMAGE_FETCH_TIMEOUT_MS: int(100, 600_000).default(10_000),
  IMAGE_FETCH_MAX_REDIRECTS: int(0, 20).default(3),
  IMAGE_FETCH_ALLOW_PRIVATE: bool.default(false),

  INDEXER_CONCURRENCY: int(1, 256).default(8),
  INDEXER_LOCK_MS: int(1000, 600_000).default(30_000),
  REINDEX_MAX_FAILED_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  OUTBOX_POLL_MS: int(50, 600_000).default(1000),
  INDEXER_HEARTBEAT_FILE: z.string().min(1).optional(),

  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  ADMIN_API_KEYS: csv.default([]),
  CORS_ORIGINS: csv.default([]),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
  ADMIN_AUTH_FAILURES_PER_MINUTE: int(1, 100_000).default(10),
  ADMIN_IMPORT_MAX_BYTES: int(1024, 10 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  TRUST_PROXY: z.string().optional(),
  METRICS_ENABLED: bool.optional(),
  METRICS_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  DOCS_ENABLED: bool.optional(),
  DOCS_PATH: z
    .string()
    .regex(
      /^\/?[A-Za-z0-9][A-Za-z0-9._~-]*(\/[A-Za-z0-9._~-]+)*\/?$/,
      'must be a URL path such as docs or ops/docs',
    )
    .default('docs'),

  SEARCH_CANDIDATES: int(10, 1000).default(50),
  SEARCH_RRF_K: int(1, 1000).default(60),
  SEARCH_WEIGHT_IMAGE: weight.default(1),
  SEARCH_WEIGHT_TEXT: weight.default(0),
  SEARCH_WEIGHT_LEXICAL: weight.default(1),
  SEARCH_RERANK: bool.default(true),
  SEARCH_BOOST_IN_STOCK: weight.default(0.05),
  SEARCH_BOOST_POPULARITY: weight.default(0.05),
  SEARCH_MMR_LAMBDA: z.coerce.number().min(0).max(1).default(1),
  SEARCH_QUERY_CACHE_SIZE: int(0, 1_000_000).default(1000),
  SEARCH_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).optional(),
  SEED_DEMO_CATALOG: z.enum(['auto', 'true', 'false']).default('auto'),

  ANSWERER_URL: optionalUrl(['http:', 'https:']),
  ANSWERER_MODEL: z.string().min(1).max(200).optional(),
  ANSWERER_API_KEY: z.string().min(1).optional(),
  ANSWERER_TIMEOUT_MS: int(100, 600_000).default(30_000),
  VQA_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  ATTRIBUTE_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.6),
  ATTRIBUTE_EXTRACTION: bool.default(true),
  ATTRIBUTE_CALIBRATION_FILE: z.string().min(1).optional(),
  ATTRIBUTE_VOCABULARY_FILE: z.string().min(1).optional(),
  CHAT_RETENTION_DAYS: int(1, 3650).default(30),
  CHAT_REMOTE_TOOLS: bool.default(true),
  ANALYTICS_RETENTION_DAYS: int(1, 3650).default(90),
});

export type Env = z.infer<typeof envSchema>;
