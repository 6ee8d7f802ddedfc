import type { Env } from './config.schema';

/** The sections of docs/configuration.md, in the order they appear. */
export const CONFIG_GROUPS = [
  'General',
  'Services',
  'Embeddings',
  'Images',
  'Indexer',
  'HTTP API',
  'Search and ranking',
  'Product Q&A, attributes and descriptions',
  'Shopping-assistant chat',
  'Search analytics',
] as const;
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];

/** What docs/configuration.md says about one variable beyond what the schema itself knows. */
export interface EnvVarDoc {
  readonly group: ConfigGroup;
  /** One or two sentences: what it changes, and what happens when it is unset. */
  readonly description: string;
  /** Shown as the default instead of the schema's, for defaults computed in config.ts (paths, NODE_ENV). */
  readonly defaultText?: string;
}

/**
 * The documentation of every environment variable, kept apart from the schema so that adding a variable there and
 * describing it here never touch the same lines. `npm run docs:config` renders it with the schema's types, bounds and
 * defaults into docs/configuration.md; a spec fails when a variable has no entry or the committed file is stale.
 */
export const ENV_DOCS: { readonly [K in keyof Env]?: EnvVarDoc } = {
  NODE_ENV: {
    group: 'General',
    description:
      '`production` refuses to boot without strong `ADMIN_API_KEYS` and turns `/metrics` and `/docs` off unless asked for.',
  },
  LOG_LEVEL: { group: 'General', description: 'Level of the log lines (pino).' },
  LOG_FORMAT: {
    group: 'General',
    description:
      '`auto`: one coloured line per entry (pino-pretty) when stdout is a terminal, one JSON object per line otherwise (containers, files, log shippers). `pretty` or `json` choose regardless; `pretty` adds colour only on a terminal. API and indexer.',
  },
  DATA_DIR: {
    group: 'General',
    description:
      'Folder of embedded-mode data: the PGlite database (`pglite/`, lock file `pglite.lock`) and the embedded vector store (`vectors/`). Relative to the working directory.',
  },

  DATABASE_URL: {
    group: 'Services',
    description:
      'PostgreSQL (13 or later) for the catalog, `postgres:` or `postgresql:` URL. Unset: embedded PGlite under `DATA_DIR`, one process only.',
  },
  DATABASE_POOL_SIZE: {
    group: 'Services',
    description: 'Connections in the PostgreSQL pool. Embedded PGlite always uses one.',
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    group: 'Services',
    description:
      'The longest one catalog query, or the wait for a pooled connection, may take before it fails (a request then answers 503). PostgreSQL also cancels the statement (`statement_timeout`). Applies to embedded PGlite too, where a database busy for twice this long (at least 5 s) counts as stuck and is restarted. Raise it for very large migrations.',
  },
  REDIS_URL: {
    group: 'Services',
    description:
      '`redis:` or `rediss:` URL of the BullMQ queue; the API then only enqueues and `npm run start:indexer` runs the workers. Unset: the in-process queue inside the API (or the CLI command).',
  },
  QUEUE_PREFIX: { group: 'Services', description: 'BullMQ key prefix.' },
  QUEUE_TIMEOUT_MS: {
    group: 'Services',
    description:
      'The longest any call to Redis (enqueue, counts, status) may take before it fails as `UNAVAILABLE`.',
  },
  QDRANT_URL: {
    group: 'Services',
    description:
      '`http:` or `https:` URL of Qdrant. Unset: the embedded vector store under `DATA_DIR/vectors`, which one process at a time may open (set it whenever the API and the indexer run as separate processes).',
  },
  QDRANT_API_KEY: { group: 'Services', description: 'Sent to Qdrant as its `api-key` header.' },
  QDRANT_QUANTIZATION: {
    group: 'Services',
    description:
      '`int8` creates new collections with scalar quantisation (quantile 0.99, kept in RAM) and searches them on the int8 copies first, rescoring the best with the original vectors (`QDRANT_OVERSAMPLING`).',
  },
  QDRANT_OVERSAMPLING: {
    group: 'Services',
    description:
      'With `QDRANT_QUANTIZATION=int8`: candidates prescanned on the int8 copies per wanted hit before rescoring (default 2; more: better recall, slower). Refused without int8.',
  },
  QDRANT_SHARDS: {
    group: 'Services',
    description:
      'Shards of each collection created from now on (Qdrant `shard_number`; unset: Qdrant’s default, 1). On a cluster, a multiple of the node count spreads them evenly (see docs/vectors.md). Existing collections keep theirs until a full reindex.',
  },
  QDRANT_REPLICATION_FACTOR: {
    group: 'Services',
    description:
      'Copies of each shard of new collections, on different nodes (cluster only; unset: 1). With 2 or more, searches and writes go on while a node is down.',
  },
  QDRANT_WRITE_CONSISTENCY: {
    group: 'Services',
    description:
      'Replicas of a shard that must apply a write before it succeeds (`write_consistency_factor`; unset: 1); at most `QDRANT_REPLICATION_FACTOR`.',
  },
  QDRANT_ON_DISK_VECTORS: {
    group: 'Services',
    description:
      'Keeps the original vectors of new collections memory-mapped on disk instead of in RAM; pair with `QDRANT_QUANTIZATION=int8` so searches read the disk only to rescore.',
  },
  QDRANT_READY_TIMEOUT_MS: {
    group: 'Services',
    description:
      'How long an alias switch (the end of a full reindex) waits for the new collection to be ready: status green, optimizers without error, every shard with an active replica, the points expected. Past it the switch is refused and the old collection keeps serving.',
  },

  MODEL_DIR: {
    group: 'Embeddings',
    description:
      'A Hugging Face CLIP ONNX export (see `npm run vitrine -- model fetch`); relative to the working directory. A bad model stops boot with `MODEL_INVALID`.',
  },
  EMBEDDING_DEVICE: {
    group: 'Embeddings',
    description:
      '`cuda` tries onnxruntime’s CUDA provider (installed separately, see docs/operations.md) and falls back to the CPU with one warning.',
  },
  EMBEDDING_THREADS: {
    group: 'Embeddings',
    description: 'onnxruntime intra-op threads; 0 lets onnxruntime decide.',
  },
  EMBEDDING_BATCH_SIZE: { group: 'Embeddings', description: 'The largest model run, in pictures or texts.' },
  EMBEDDING_MAX_WAIT_MS: {
    group: 'Embeddings',
    description:
      'How long a lone request may wait for others to share its model run. 0: it runs as soon as the model is free (4 ms cost 8 ms of p50 at concurrency 1).',
  },
  EMBEDDING_QUEUE_LIMIT: {
    group: 'Embeddings',
    description: 'Single requests waiting or running at once; beyond it they fail with `OVERLOADED` (503).',
  },
  EMBEDDING_URL: {
    group: 'Embeddings',
    description:
      'An embedding service (`npm run start:embedder`, or Triton serving the same two graphs) that runs the model for this process; unset: in-process. Tokenising and picture decoding stay here; `MODEL_DIR` must hold the same model (a service with another model id is refused with `MODEL_MISMATCH`). See docs/embeddings.md.',
  },
  EMBEDDING_TIMEOUT_MS: {
    group: 'Embeddings',
    description:
      'With `EMBEDDING_URL`: the longest one request to the service may take (connect, queue, run, reply); past it, or with the service down, the request fails `UNAVAILABLE` (503 in the API, retried by the indexer).',
  },

  IMAGE_MAX_PIXELS: {
    group: 'Images',
    description:
      'Largest accepted picture (width × height), read from the header before any pixel is decoded; over it: `IMAGE_TOO_LARGE`.',
  },
  IMAGE_MAX_BYTES: {
    group: 'Images',
    description:
      'Largest accepted encoded picture, for uploads (refused while they stream in), fetched URLs and catalog files.',
  },
  IMAGE_FETCH_TIMEOUT_MS: { group: 'Images', description: 'Timeout of one image URL fetch.' },
  IMAGE_FETCH_MAX_REDIRECTS: { group: 'Images', description: 'Redirects followed per image URL fetch.' },
  IMAGE_FETCH_ALLOW_PRIVATE: {
    group: 'Images',
    description:
      'Allows image URLs on private, loopback and link-local addresses, i.e. turns the SSRF guard off. For tests and closed networks only.',
  },

  INDEXER_CONCURRENCY: {
    group: 'Indexer',
    description: 'Jobs in flight per indexer process; their embeddings share model batches.',
  },
  INDEXER_LOCK_MS: {
    group: 'Indexer',
    description:
      'BullMQ job lock; the jobs of a worker killed with `-9` go to another worker after about this long.',
  },
  REINDEX_MAX_FAILED_RATIO: {
    group: 'Indexer',
    description:
      'The largest share of the catalog a full reindex may fail to index and still switch the alias; over it the run ends failed (`TOO_MANY_FAILURES`), the old collection keeps serving and the new one is deleted.',
  },
  OUTBOX_POLL_MS: {
    group: 'Indexer',
    description:
      'How often each API and indexer process moves index work from the catalog’s outbox (`index_outbox`) to the queue.',
  },
  INDEXER_HEARTBEAT_FILE: {
    group: 'Indexer',
    description:
      'File the indexer rewrites every 5 s and removes on shutdown; `node dist/apps/indexer/src/healthcheck.js` fails when it is missing or older than 30 s.',
    defaultText: '`<os tmpdir>/vitrine-indexer.heartbeat`',
  },

  HOST: { group: 'HTTP API', description: 'Address the API listens on.' },
  PORT: { group: 'HTTP API', description: 'Port the API listens on.' },
  ADMIN_API_KEYS: {
    group: 'HTTP API',
    description:
      'Comma-separated keys for the `/v1/admin` routes (`X-Api-Key`). None: admin routes are disabled. With `NODE_ENV=production` boot refuses no key, a placeholder such as `change-me`, or a key under 32 characters (`openssl rand -hex 32`).',
  },
  CORS_ORIGINS: {
    group: 'HTTP API',
    description: 'Comma-separated allowed origins (`*` for any). Empty: CORS off.',
  },
  RATE_LIMIT_PER_MINUTE: {
    group: 'HTTP API',
    description:
      'Requests per minute per client across all public routes together (one bucket per client address); 0 turns the limit off. In memory, per process.',
  },
  ADMIN_AUTH_FAILURES_PER_MINUTE: {
    group: 'HTTP API',
    description:
      'Failed `X-Api-Key` checks per client per minute; past it admin routes answer 429 to that client, even with the right key, until the window passes.',
  },
  ADMIN_IMPORT_MAX_BYTES: {
    group: 'HTTP API',
    description:
      'Largest catalog JSONL file `POST /v1/admin/import` accepts (bytes; default 50 MiB); a larger upload is refused with 413. The file is written to a temporary folder while it is imported, then deleted.',
  },
  TRUST_PROXY: {
    group: 'HTTP API',
    description:
      'Which proxies may set the client address through `X-Forwarded-For`: unset or `false` (the TCP peer is the client), a hop count (`1`), or addresses and subnets (`loopback`, `10.0.0.0/8`). `true` is refused: any client could then choose its address.',
  },
  METRICS_ENABLED: {
    group: 'HTTP API',
    description: 'Serves Prometheus `/metrics`.',
    defaultText: 'on; off when `NODE_ENV=production`',
  },
  METRICS_API_KEY: {
    group: 'HTTP API',
    description: 'When set, `/metrics` needs `Authorization: Bearer <key>`.',
  },
  DOCS_ENABLED: {
    group: 'HTTP API',
    description: 'Serves the Swagger UI and the OpenAPI document.',
    defaultText: 'on; off when `NODE_ENV=production`',
  },
  DOCS_PATH: {
    group: 'HTTP API',
    description: 'Where they are served: `/<DOCS_PATH>` and `/<DOCS_PATH>/openapi.json`.',
  },
  SEED_DEMO_CATALOG: {
    group: 'HTTP API',
    description:
      '`auto` imports `data/demo-catalog/products.jsonl` at boot when the catalog is empty and embedded; `true` whenever it is empty; `false` never.',
  },

  SEARCH_CANDIDATES: {
    group: 'Search and ranking',
    description:
      'Candidates per retriever (image vectors, text vectors, full-text), and how many results are reranked; later pages follow in first-stage order.',
  },
  SEARCH_RRF_K: {
    group: 'Search and ranking',
    description: 'Reciprocal rank fusion constant k in `w / (k + rank)`.',
  },
  SEARCH_WEIGHT_IMAGE: {
    group: 'Search and ranking',
    description: 'Weight of the products’ image vectors, in fusion and in reranking; 0 skips that retriever.',
  },
  SEARCH_WEIGHT_TEXT: {
    group: 'Search and ranking',
    description:
      'Weight of the products’ text vectors; 0 by default because they made both kinds of query worse on the demo (docs/benchmarks.md).',
  },
  SEARCH_WEIGHT_LEXICAL: {
    group: 'Search and ranking',
    description: 'Weight of PostgreSQL full-text search evidence.',
  },
  SEARCH_RERANK: {
    group: 'Search and ranking',
    description: 'Second stage on by default; a request may pass `rerank: false`.',
  },
  SEARCH_BOOST_IN_STOCK: {
    group: 'Search and ranking',
    description: 'Added to the reranked score of in-stock products.',
  },
  SEARCH_BOOST_POPULARITY: {
    group: 'Search and ranking',
    description: 'Times `attributes.popularity`, log-scaled to [0, 1] within the candidates.',
  },
  SEARCH_MMR_LAMBDA: {
    group: 'Search and ranking',
    description:
      'Maximal marginal relevance on the image vectors: 1 = pure relevance (off), lower = more varied results.',
  },
  SEARCH_MIN_SIMILARITY: {
    group: 'Search and ranking',
    description:
      'Relevance cutoff of word searches: a product is a result only when its words match the query or its vector’s cosine similarity to the query reaches this (−1..1). Unset: the model’s calibrated value from `<MODEL_DIR>/vitrine-search-calibration.json` (`npm run bench:relevance-cutoff -- --write`); a model without one has no cutoff.',
    defaultText: 'the model’s calibrated value (0.655 for the demo model’s image vectors)',
  },
  SEARCH_QUERY_CACHE_SIZE: {
    group: 'Search and ranking',
    description: 'Query texts whose embeddings are kept (LRU); 0 turns the cache off.',
  },

  ANSWERER_URL: {
    group: 'Product Q&A, attributes and descriptions',
    description:
      'An OpenAI-compatible chat-completions endpoint with image input (vLLM, TGI, Ollama…) for free-form answers and descriptions. Unset: embedded models only.',
  },
  ANSWERER_MODEL: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'The model name the endpoint serves; required with `ANSWERER_URL`.',
  },
  ANSWERER_API_KEY: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'Sent as `Authorization: Bearer <key>`.',
  },
  ANSWERER_TIMEOUT_MS: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'Timeout of one call to the endpoint; an unreachable endpoint degrades to "I can’t tell".',
  },
  VQA_MIN_CONFIDENCE: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'Below it an answer is "I can’t tell" (`answered: false`).',
  },
  ATTRIBUTE_MIN_CONFIDENCE: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'Attributes read from pictures below it are stored but never used as facts.',
  },
  ATTRIBUTE_EXTRACTION: {
    group: 'Product Q&A, attributes and descriptions',
    description: 'The indexer reads attributes from a product’s picture after embedding it.',
  },
  ATTRIBUTE_CALIBRATION_FILE: {
    group: 'Product Q&A, attributes and descriptions',
    description:
      'Fitted zero-shot logit scales (`vitrine eval-vqa --fit-calibration`); ignored for another model.',
    defaultText: '`<MODEL_DIR>/vitrine-calibration.json` when present',
  },
  ATTRIBUTE_VOCABULARY_FILE: {
    group: 'Product Q&A, attributes and descriptions',
    description:
      'JSON overriding vocabularies: `{"material": {"labels": [...]}, "style": {"templates": ["a {} product"]}}`.',
  },
  CHAT_RETENTION_DAYS: {
    group: 'Shopping-assistant chat',
    description:
      'Conversations (`POST /v1/chat`) untouched for longer are deleted, with their turns (checked at boot and hourly).',
  },
  CHAT_REMOTE_TOOLS: {
    group: 'Shopping-assistant chat',
    description:
      'With `ANSWERER_URL`: the remote model plans product turns with tool calls (search, product detail, ask, similar; the endpoint must support OpenAI tool calling), every claim of its reply checked against the tool results. `false`: the embedded manager plans every turn and the model only rewrites replies. Unset `ANSWERER_URL`: no effect.',
  },
  ANALYTICS_RETENTION_DAYS: {
    group: 'Search analytics',
    description:
      'Recorded searches and storefront events (`POST /v1/events`) older than this are deleted (checked at boot and hourly); `GET /v1/admin/analytics` reads at most 90 days.',
  },
};
