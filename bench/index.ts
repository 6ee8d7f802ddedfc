/**
 * `npm run bench:index`: end-to-end indexing of the demo catalog (read catalog → load images → embed → store), with
 * attribute extraction off and on, and where the time goes. Each run builds the indexer's own Nest graph
 * (`IndexerModule` of `apps/indexer`, with the in-process queue) over a fresh PostgreSQL database, the demo
 * model and an embedded store, imports the catalog and times its first indexing: every index job and, with
 * extraction on, the attributes read after each product (inline, or by `extract-attributes` jobs), until the
 * queue is empty.
 *
 *   npm run bench:index [-- --catalog data/demo-catalog/products.jsonl --modes off,on --repeat 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@vitrine/core';
import { CatalogImportService } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { IndexingScheduler, InProcessJobQueue, JOB_QUEUE } from '@vitrine/indexing';
import { IndexerModule } from '../apps/indexer/src/indexer.module';
import { createTestDatabase } from '../test/support/database';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/demo-catalog/products.jsonl' },
    modes: { type: 'string', default: 'off,on' },
    repeat: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
  },
});

interface Row {
  readonly mode: string;
  readonly products: number;
  readonly wall: number;
  readonly imagesEmbedded: number;
  readonly decode: number;
  readonly imageInfer: number;
  readonly text: number;
}

async function run(mode: 'off' | 'on'): Promise<Row> {
  const db = await createTestDatabase(`bench_index_${mode}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-index-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    INDEXER_CONCURRENCY: values.concurrency,
    ATTRIBUTE_EXTRACTION: mode === 'on' ? 'true' : 'false',
    LOG_LEVEL: 'error',
    INDEXER_HEARTBEAT_FILE: join(dataDir, 'heartbeat'),
  });
  const app = await NestFactory.createApplicationContext(
    // The indexer's own graph; nothing starts behind the benchmark's back (no boot sync, no outbox relay).
    IndexerModule.forRoot(config, { syncAtBoot: false, relayOutbox: false }),
    {
      logger: ['error'],
    },
  );
  try {
    const embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    await app.get(CatalogImportService).importFile(resolve(values.catalog));
    const before = embedder.stats();
    const t0 = performance.now();
    const queued = await app.get(IndexingScheduler).syncPending();
    await app.get<InProcessJobQueue>(JOB_QUEUE).drain();
    const wall = (performance.now() - t0) / 1000;
    const after = embedder.stats();
    return {
      mode,
      products: queued,
      wall,
      imagesEmbedded: after.images.items - before.images.items,
      decode: (after.images.decodeMs - before.images.decodeMs) / 1000,
      imageInfer: (after.images.inferenceMs - before.images.inferenceMs) / 1000,
      text:
        (after.texts.inferenceMs -
          before.texts.inferenceMs +
          after.texts.tokenizeMs -
          before.texts.tokenizeMs) /
        1000,
    };
  } finally {
    await app.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const modes = values.modes.split(',').map((m) => m.trim());
  for (const m of modes) if (m !== 'on' && m !== 'off') throw new Error(`--modes: "${m}" is not on or off`);
  console.log(
    `catalog ${values.catalog}; concurrency ${values.concurrency}; extraction modes ${modes.join(', ')}; ` +
      `repeat ${values.repeat}\n`,
  );
  const rows: Row[] = [];
  for (let r = 0; r < Number(values.repeat); r++) {
    for (const m of modes) {
      rows.push(await run(m as 'off' | 'on'));
      process.stderr.write(`  extraction ${m}: ${rows.at(-1)!.wall.toFixed(2)} s\n`);
    }
  }
  const head = [
    'extraction',
    'products',
    'wall s',
    'products/s',
    'images embedded',
    'decode+prep s*',
    'img infer s',
    'text s',
  ];
  const cells = rows.map((r) => [
    r.mode,
    String(r.products),
    r.wall.toFixed(2),
    (r.products / r.wall).toFixed(1),
    String(r.imagesEmbedded),
    r.decode.toFixed(2),
    r.imageInfer.toFixed(2),
    r.text.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padStart(widths[i]!)).join('  ');
  console.log(line(head));
  for (const c of cells) console.log(line(c));
  const mean = (mode: string) => {
    const w = rows.filter((r) => r.mode === mode).map((r) => r.wall);
    return w.length ? w.reduce((a, b) => a + b, 0) / w.length : undefined;
  };
  const off = mean('off');
  const on = mean('on');
  if (off !== undefined && on !== undefined) {
    console.log(`\nextraction on / off, wall time: ${(on / off).toFixed(2)}×`);
  }
  console.log(
    '* decode + preprocess is summed over images decoded in parallel on libuv threads (CPU time, not wall time).',
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
