/**
 * `npm run bench:index`: end-to-end indexing throughput of the demo catalog (read catalog → load images → embed →
 * store), and where the time goes. Runs on a fresh PostgreSQL database, the demo model and an embedded store, with
 * the in-process queue and the production services, wiring them by hand so the store can be timed.
 *
 *   npm run bench:index [-- --catalog data/demo-catalog/products.jsonl --repeat 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@vitrine/core';
import {
  CatalogImportService,
  createCatalogDataSource,
  IndexStateRepository,
  ProductRepository,
} from '@vitrine/catalog';
import {
  embeddingOptionsFromConfig,
  ImageSource,
  OnnxEmbeddingProvider,
  SafeFetcher,
} from '@vitrine/embedding';
import { EmbeddedVectorStore, type VectorStore } from '@vitrine/vectors';
import {
  InProcessJobQueue,
  IndexingScheduler,
  IndexingService,
  indexingHandlers,
  LiveCollections,
  ProductVectorizer,
  ReindexService,
} from '@vitrine/indexing';
import { createTestDatabase } from '../test/support/database';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/demo-catalog/products.jsonl' },
    repeat: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8' },
  },
});

/** Adds up the wall time spent inside the store's write calls. */
function timed(store: VectorStore, spent: { ms: number }): VectorStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !['upsert', 'delete', 'get'].includes(String(prop))) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const t = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          spent.ms += performance.now() - t;
        }
      };
    },
  });
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const db = await createTestDatabase('bench_index');
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-index-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    INDEXER_CONCURRENCY: values.concurrency,
    LOG_LEVEL: 'error',
  });
  const catalog = await createCatalogDataSource(config.database);
  const embedder = await OnnxEmbeddingProvider.load(embeddingOptionsFromConfig(config));
  const raw = await EmbeddedVectorStore.open(join(dataDir, 'vectors'));
  const storeTime = { ms: 0 };
  const store = timed(raw, storeTime);
  const fetcher = new SafeFetcher({
    timeoutMs: 10_000,
    maxBytes: config.images.maxBytes,
    maxRedirects: 3,
    allowPrivate: false,
  });
  try {
    const products = new ProductRepository(catalog);
    const states = new IndexStateRepository(catalog);
    const report = await new CatalogImportService(products).importFile(resolve(values.catalog));
    const collections = new LiveCollections(store, embedder.modelId, embedder.dim);
    await collections.ensure();
    const indexing = new IndexingService(
      products,
      states,
      store,
      new ProductVectorizer(embedder, new ImageSource(fetcher, config.images.maxBytes)),
      collections,
      embedder.modelId,
    );
    const queue = new InProcessJobQueue({ concurrency: config.indexer.concurrency });
    const reindex = new ReindexService(
      products,
      states,
      store,
      indexing,
      collections,
      embedder.modelId,
      embedder.dim,
      32,
      queue,
      config.indexer.reindexMaxFailedRatio,
    );
    queue.start(indexingHandlers(indexing, reindex));
    const scheduler = new IndexingScheduler(queue, states, reindex, embedder.modelId);

    console.log(`catalog: ${report.accepted} products (${values.catalog}); model ${embedder.modelId}`);
    console.log(
      `concurrency ${config.indexer.concurrency}, embedding batch ${config.embedding.batchSize}, cpu cores 2\n`,
    );
    const rows: string[][] = [];
    for (let run = 0; run < Number(values.repeat); run++) {
      // Run 0 is the first indexing; later runs force a re-embed of everything (a model change's full work).
      if (run > 0) await catalog.dataSource.query('DELETE FROM product_index_states');
      const before = embedder.stats();
      storeTime.ms = 0;
      const t0 = performance.now();
      const queued = await scheduler.syncPending();
      await queue.drain();
      const wall = (performance.now() - t0) / 1000;
      const after = embedder.stats();
      const img = after.images;
      const txt = after.texts;
      rows.push([
        `run ${run + 1}`,
        String(queued),
        wall.toFixed(2),
        (queued / wall).toFixed(1),
        ((img.decodeMs - before.images.decodeMs) / 1000).toFixed(2),
        ((img.inferenceMs - before.images.inferenceMs) / 1000).toFixed(2),
        (
          (txt.inferenceMs - before.texts.inferenceMs + txt.tokenizeMs - before.texts.tokenizeMs) /
          1000
        ).toFixed(2),
        (storeTime.ms / 1000).toFixed(2),
        ((img.items - before.images.items) / Math.max(1, img.batches - before.images.batches)).toFixed(1),
      ]);
    }
    const unchanged = performance.now();
    const requeued = await scheduler.syncPending();
    await queue.drain();
    const head = [
      '',
      'products',
      'wall s',
      'products/s',
      'decode+prep s*',
      'img infer s',
      'text s',
      'store s',
      'imgs/batch',
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    console.log(
      `\n* decode + preprocess is summed over images decoded in parallel on libuv threads (CPU time, not wall time).` +
        `\nunchanged catalog: ${requeued} products queued, ${((performance.now() - unchanged) / 1000).toFixed(2)} s`,
    );
    await queue.close();
  } finally {
    await embedder.close();
    await raw.close();
    await fetcher.close();
    await catalog.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
