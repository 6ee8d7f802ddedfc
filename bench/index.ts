/**
 * `npm run bench:index`: where the indexer's time goes and how its throughput scales (issue 16, goal 4).
 *
 * 1. Stages, one at a time over the same products (the indexer's own Nest graph, `IndexerModule` with the
 *    in-process queue, a fresh PostgreSQL database, the demo model, an embedded store): fetch, decode, image
 *    inference, text inference, attribute extraction, vector upsert, catalog writes. Each stage runs with the
 *    indexer's concurrency, so single requests coalesce into model batches as they do in the indexer. Figures are
 *    CPU per product — this process's user + system time (the event loop and the other threads apart) and the
 *    PostgreSQL backends of the database — read from /proc, which other load on the machine does not move.
 * 2. End to end: import the catalog, queue every product and time the queue until it is empty, with attribute
 *    extraction off and on, for each `--concurrency` (INDEXER_CONCURRENCY); products/s and CPU per product. With
 *    `--warm true` (the default) one picture goes through the model first, and with extraction on the extraction's
 *    first use (every vocabulary's prompts embedded, once per process) runs and is reported apart, outside the
 *    window; `--warm false` leaves both inside it, as before.
 *
 *   npm run bench:index [-- --catalog data/demo-catalog/products.jsonl --limit 200 --modes off,on
 *                           --concurrency 1,2,4 --repeat 1 --stages true --warm true]
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { loadConfig } from '@vitrine/core';
import {
  CatalogImportService,
  IndexStateRepository,
  ProductRepository,
  type Product,
} from '@vitrine/catalog';
import {
  EMBEDDING_PROVIDER,
  ImageSource,
  OnnxEmbeddingProvider,
  type DecodedImage,
  type EmbeddingProvider,
} from '@vitrine/embedding';
import {
  coalesce,
  IndexingScheduler,
  InProcessJobQueue,
  JOB_QUEUE,
  ProductVectorizer,
} from '@vitrine/indexing';
import { VECTOR_STORE, type PointInput, type VectorStore } from '@vitrine/vectors';
import {
  ATTRIBUTE_NAMES,
  AttributeExtractor,
  AttributeRepository,
  ImageAnalyser,
  type ExtractedAttribute,
} from '@vitrine/attributes';
import { IndexerModule } from '../apps/indexer/src/indexer.module';
import { createTestDatabase, type TestDatabase } from '../test/support/database';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/demo-catalog/products.jsonl' },
    limit: { type: 'string' },
    modes: { type: 'string', default: 'off,on' },
    repeat: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '1,2,4,8' },
    stages: { type: 'string', default: 'true' },
    warm: { type: 'string', default: 'true' },
  },
});

const CLOCK_TICKS = 100; // USER_HZ (getconf CLK_TCK)

function statCpuMs(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = readFileSync(file, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/** CPU ms so far: this process, its event-loop thread, and the PostgreSQL backends of the database. */
interface CpuSample {
  readonly process: number;
  readonly main: number;
  readonly db: Map<number, number>;
}

async function backendPids(url: string): Promise<number[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

async function sample(dbUrl: string): Promise<CpuSample> {
  const db = new Map<number, number>();
  for (const pid of await backendPids(dbUrl)) db.set(pid, statCpuMs(`/proc/${pid}/stat`));
  return {
    process: statCpuMs(`/proc/${process.pid}/stat`),
    main: statCpuMs(`/proc/${process.pid}/task/${process.pid}/stat`),
    db,
  };
}

interface Cpu {
  readonly process: number;
  readonly main: number;
  readonly db: number;
}

/** CPU between two samples; a backend that appeared in between counts from zero. */
function cpuBetween(a: CpuSample, b: CpuSample): Cpu {
  let db = 0;
  for (const [pid, ms] of b.db) db += Math.max(0, ms - (a.db.get(pid) ?? 0));
  return { process: b.process - a.process, main: b.main - a.main, db };
}

/** Runs `fn` over `items`, `concurrency` at a time (the indexer's job slots). */
async function pool<T>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The catalog, or its first `--limit` products in a scratch copy beside a link to its images. */
function catalogFile(scratch: string): string {
  const file = resolve(values.catalog);
  if (!values.limit) return file;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, Number(values.limit));
  const dir = dirname(file);
  // A copy, not a link: the import refuses picture paths that resolve outside the catalog's folder.
  cpSync(join(dir, 'images'), join(scratch, 'images'), { recursive: true });
  const out = join(scratch, 'products.jsonl');
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

interface App {
  readonly app: INestApplicationContext;
  readonly db: TestDatabase;
  readonly dataDir: string;
  close(): Promise<void>;
}

async function start(mode: 'off' | 'on', concurrency: number, catalog: string): Promise<App> {
  const db = await createTestDatabase(`bench_index_${mode}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-index-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    INDEXER_CONCURRENCY: String(concurrency),
    ATTRIBUTE_EXTRACTION: mode === 'on' ? 'true' : 'false',
    LOG_LEVEL: 'error',
    INDEXER_HEARTBEAT_FILE: join(dataDir, 'heartbeat'),
  });
  const app = await NestFactory.createApplicationContext(
    // The indexer's own graph; nothing starts behind the benchmark's back (no boot sync, no outbox relay).
    IndexerModule.forRoot(config, { syncAtBoot: false, relayOutbox: false }),
    { logger: ['error'] },
  );
  const report = await app.get(CatalogImportService).importFile(catalog);
  if (report.errors.length) throw new Error(`import: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return {
    app,
    db,
    dataDir,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------------------------ stages

interface StageRow {
  readonly stage: string;
  readonly wall: number;
  readonly cpu: Cpu;
}

async function stages(catalog: string, concurrency: number): Promise<{ products: number; rows: StageRow[] }> {
  const a = await start('on', concurrency, catalog);
  try {
    const { app, db } = a;
    const products: Product[] = [];
    const repo = app.get(ProductRepository);
    const states = app.get(IndexStateRepository);
    const embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    for await (const page of states.needingIndex(embedder.modelId, { includeFailed: false })) {
      for (const p of page) products.push((await repo.getById(p.productId))!);
    }
    if (!(embedder instanceof OnnxEmbeddingProvider)) throw new Error('the stages need the ONNX provider');
    const images = app.get(ImageSource);
    const store = app.get<VectorStore>(VECTOR_STORE);
    const extractor = app.get(AttributeExtractor);
    const attributes = app.get(AttributeRepository);
    const analyser = app.get(ImageAnalyser);
    const vectorizer = app.get(ProductVectorizer);
    const pictures = products.flatMap((p) => p.images.map((i) => ({ product: p, image: i })));
    const bytes = new Map<string, Buffer>();
    const decoded = new Map<string, DecodedImage>();
    const vectors = new Map<string, Float32Array>();
    const rows: StageRow[] = [];
    const stage = async (name: string, work: () => Promise<unknown>) => {
      const s0 = await sample(db.url);
      const t0 = performance.now();
      await work();
      const wall = (performance.now() - t0) / 1000;
      rows.push({ stage: name, wall, cpu: cpuBetween(s0, await sample(db.url)) });
      process.stderr.write(`  stage ${name}: ${wall.toFixed(2)} s\n`);
    };
    // Warm the model, the pools and the JIT on a few products first.
    await pool(products.slice(0, 16), concurrency, (p) => vectorizer.vectorize(p));

    await stage('fetch (read picture bytes)', () =>
      pool(pictures, concurrency, async (x) => bytes.set(x.image.id, await images.load(x.image.uri))),
    );
    // The extraction's JIT and its prompt embeddings, before its stages are timed.
    await pool(pictures.slice(0, 16), concurrency, (x) => extractor.extractImage(bytes.get(x.image.id)!));
    await stage('decode + preprocess (model input)', () =>
      pool(pictures, concurrency, async (x) =>
        decoded.set(x.image.id, await embedder.preprocessor.decode(bytes.get(x.image.id)!)),
      ),
    );
    await stage('image inference (decoded, model batches of concurrency)', async () => {
      const list = pictures.map((x) => decoded.get(x.image.id)!);
      for (let i = 0; i < list.length; i += concurrency) {
        const out = await embedder.embedDecoded(list.slice(i, i + concurrency));
        out.forEach((e, j) => vectors.set(pictures[i + j]!.image.id, e.vector));
      }
    });
    await stage('embedImage (decode + inference, as the indexer calls it)', () =>
      pool(pictures, concurrency, (x) => embedder.embedImage(bytes.get(x.image.id)!, { priority: 'bulk' })),
    );
    await stage('text inference (embedText)', () =>
      pool(products, concurrency, (p) =>
        embedder.embedText([p.title, p.brand, p.category, p.description].join('. '), { priority: 'bulk' }),
      ),
    );
    await stage('extraction: colours from a decode of their own', () =>
      pool(products, concurrency, async (p) => {
        const first = p.images[0];
        if (first) await analyser.colours(bytes.get(first.id)!);
      }),
    );
    await stage("extraction: colours from the model's decode (as the indexer runs it)", () =>
      pool(products, concurrency, (p) => {
        const first = p.images[0];
        if (first) analyser.coloursOfDecoded(decoded.get(first.id)!);
        return Promise.resolve();
      }),
    );
    const sets = new Map<string, ExtractedAttribute[]>();
    await stage("extraction: all attributes given the embedding and the model's decode", () =>
      pool(products, concurrency, async (p) => {
        const first = p.images[0];
        if (first)
          sets.set(
            p.id,
            await extractor.extractImage(bytes.get(first.id)!, vectors.get(first.id), decoded.get(first.id)),
          );
      }),
    );
    // The extractor's own statements: whether the stored attributes are current, then the new set, each shared by
    // the jobs that ask in the same turn.
    const stamps = coalesce(async (ids: string[]) => {
      const rows = await attributes.stamps([...new Set(ids)], ATTRIBUTE_NAMES);
      return ids.map((id) => rows.filter((r) => r.productId === id));
    });
    const writeSet = coalesce(
      (items: { productId: string; contentHash: string; attributes: ExtractedAttribute[] }[]) =>
        attributes.replaceMany(items),
    );
    await stage('attribute rows (current? then the new set, shared by the jobs of a turn)', () =>
      pool(products, concurrency, async (p) => {
        const set = sets.get(p.id);
        if (!set) return;
        await stamps(p.id);
        await writeSet({ productId: p.id, contentHash: p.contentHash, attributes: set });
      }),
    );
    await pool(products, concurrency, (p) => attributes.replace(p.id, p.contentHash, []));
    await stage('extraction as the indexer runs it (current? + every attribute + rows)', () =>
      pool(products, concurrency, async (p) => {
        const first = p.images[0];
        if (!first) return;
        await extractor.extractIndexed(p, {
          uri: first.uri,
          bytes: bytes.get(first.id)!,
          embedding: vectors.get(first.id)!,
          decoded: decoded.get(first.id)!,
        });
      }),
    );
    const point = await vectorizer.vectorize(products[0]!);
    await store.ensureCollection({ name: 'bench_stage', dim: embedder.dim, vectors: ['image', 'text'] });
    await stage('vector upsert, one point per job', () =>
      pool(products, concurrency, (p) =>
        store.upsert('bench_stage', [{ ...point.point, id: p.id }], { wait: true }),
      ),
    );
    const upsert = coalesce(async (points: PointInput[]) => {
      await store.upsert('bench_stage', points, { wait: true });
      return points;
    });
    await stage('vector upsert, shared by the jobs of a turn', () =>
      pool(products, concurrency, (p) => upsert({ ...point.point, id: p.id })),
    );
    await stage('catalog reads, one query per job (product twice, index state)', () =>
      pool(products, concurrency, async (p) => {
        await repo.getById(p.id);
        await states.get(p.id, embedder.modelId);
        await repo.getById(p.id);
      }),
    );
    const read = coalesce((ids: string[]) => repo.getByIds(ids));
    await stage('catalog reads, product reads shared by the jobs of a turn', () =>
      pool(products, concurrency, async (p) => {
        await read(p.id);
        await states.get(p.id, embedder.modelId);
        await read(p.id);
      }),
    );
    const ok = { status: 'ok', sha256: 'x', width: 1, height: 1 } as const;
    await stage('catalog writes, one statement per job (image status, index state)', () =>
      pool(products, concurrency, async (p) => {
        await Promise.all(p.images.map((i) => repo.recordImageFetch(i.id, i.uri, ok)));
        await states.markIndexed(embedder.modelId, [{ productId: p.id, contentHash: p.contentHash }]);
      }),
    );
    const mark = coalesce(async (items: { productId: string; contentHash: string }[]) => {
      await states.markIndexed(embedder.modelId, items);
      return items;
    });
    await stage('catalog writes, index state shared by the jobs of a turn', () =>
      pool(products, concurrency, async (p) => {
        await Promise.all(p.images.map((i) => repo.recordImageFetch(i.id, i.uri, ok)));
        await mark({ productId: p.id, contentHash: p.contentHash });
      }),
    );
    return { products: products.length, rows };
  } finally {
    await a.close();
  }
}

// ------------------------------------------------------------------------------------------------ end to end

interface RunRow {
  readonly mode: 'off' | 'on';
  readonly concurrency: number;
  readonly products: number;
  readonly wall: number;
  readonly cpu: Cpu;
  readonly imagesEmbedded: number;
  readonly imageBatches: number;
  readonly textBatches: number;
  /** CPU of the extraction's first use (its vocabularies' prompt embeddings), when warmed outside the window. */
  readonly oneOff?: Cpu;
}

async function run(mode: 'off' | 'on', concurrency: number, catalog: string): Promise<RunRow> {
  const a = await start(mode, concurrency, catalog);
  try {
    const embedder = a.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    let oneOff: Cpu | undefined;
    if (values.warm !== 'false') {
      // Outside the measured window and alike for both modes: one picture and one text through the model (its
      // sessions, the JIT). With extraction on, its first use also embeds every vocabulary's prompts, once per
      // process: timed on its own, so the window measures what each further product costs.
      let uri: string | undefined;
      const pending = a.app
        .get(IndexStateRepository)
        .needingIndex(embedder.modelId, { includeFailed: false });
      for await (const page of pending) {
        const product = page[0] && (await a.app.get(ProductRepository).getById(page[0].productId));
        uri = product?.images[0]?.uri;
        break;
      }
      if (!uri) throw new Error('--warm: the first product to index has no picture');
      const bytes = await a.app.get(ImageSource).load(uri);
      const embedding = await embedder.embedImage(bytes);
      await embedder.embedText('warm-up');
      if (mode === 'on') {
        const s = await sample(a.db.url);
        await a.app.get(AttributeExtractor).extractImage(bytes, embedding.vector);
        oneOff = cpuBetween(s, await sample(a.db.url));
      }
    }
    await backendPids(a.db.url);
    const before = embedder.stats();
    const s0 = await sample(a.db.url);
    const t0 = performance.now();
    const queued = await a.app.get(IndexingScheduler).syncPending();
    await a.app.get<InProcessJobQueue>(JOB_QUEUE).drain();
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuBetween(s0, await sample(a.db.url));
    const after = embedder.stats();
    return {
      mode,
      concurrency,
      products: queued,
      wall,
      cpu,
      imagesEmbedded: after.images.items - before.images.items,
      imageBatches: after.images.batches - before.images.batches,
      textBatches: after.texts.batches - before.texts.batches,
      ...(oneOff ? { oneOff } : {}),
    };
  } finally {
    await a.close();
  }
}

function table(head: string[], cells: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!)));
  console.log(line(head).join('  '));
  for (const c of cells) console.log(line(c).join('  '));
}

const ms = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const modes = values.modes.split(',').map((m) => m.trim());
  for (const m of modes) if (m !== 'on' && m !== 'off') throw new Error(`--modes: "${m}" is not on or off`);
  const concurrencies = values.concurrency.split(',').map(Number);
  const scratch = mkdtempSync(join(tmpdir(), 'vitrine-bench-catalog-'));
  try {
    const catalog = catalogFile(scratch);
    console.log(
      `catalog ${values.catalog}${values.limit ? ` (first ${values.limit})` : ''}; concurrency ${concurrencies.join(', ')}; ` +
        `extraction ${modes.join(', ')}; repeat ${values.repeat}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}\n`,
    );

    if (values.stages !== 'false') {
      const c = concurrencies.at(-1)!;
      const { products, rows } = await stages(catalog, c);
      console.log(
        `Stages one at a time, concurrency ${c}, ${products} products: CPU ms per product ` +
          '(this process: all threads, event loop; PostgreSQL backends)',
      );
      table(
        ['stage', 'wall s', 'process', 'event loop', 'PostgreSQL'],
        rows.map((r) => [
          r.stage,
          r.wall.toFixed(2),
          ms(r.cpu.process / products),
          ms(r.cpu.main / products),
          ms(r.cpu.db / products),
        ]),
      );
      console.log('');
    }

    const rows: RunRow[] = [];
    for (let r = 0; r < Number(values.repeat); r++) {
      for (const c of concurrencies) {
        for (const m of modes) {
          rows.push(await run(m as 'off' | 'on', c, catalog));
          process.stderr.write(`  extraction ${m}, concurrency ${c}: ${rows.at(-1)!.wall.toFixed(2)} s\n`);
        }
      }
    }
    console.log('End to end: every product queued, until the queue is empty. CPU ms per product.');
    table(
      [
        'extraction',
        'concurrency',
        'products',
        'wall s',
        'products/s',
        'process',
        'event loop',
        'PostgreSQL',
        'images',
        'img batches',
        'text batches',
      ],
      rows.map((r) => [
        r.mode,
        String(r.concurrency),
        String(r.products),
        r.wall.toFixed(2),
        (r.products / r.wall).toFixed(1),
        ms(r.cpu.process / r.products),
        ms(r.cpu.main / r.products),
        ms(r.cpu.db / r.products),
        String(r.imagesEmbedded),
        String(r.imageBatches),
        String(r.textBatches),
      ]),
    );
    for (const r of rows.filter((x) => x.oneOff)) {
      console.log(
        `extraction on, concurrency ${r.concurrency}: its first use (vocabulary prompts, once per process) took ` +
          `${ms(r.oneOff!.process)} ms process + ${ms(r.oneOff!.db)} ms PostgreSQL CPU, outside the window`,
      );
    }
    for (const c of concurrencies) {
      const of = (m: string) => rows.filter((r) => r.mode === m && r.concurrency === c);
      const cpu = (rs: RunRow[]) =>
        rs.reduce((s, r) => s + r.cpu.process + r.cpu.db, 0) / rs.reduce((s, r) => s + r.products, 0);
      if (of('on').length && of('off').length) {
        console.log(
          `concurrency ${c}: extraction on / off, CPU per product (process + PostgreSQL): ${(cpu(of('on')) / cpu(of('off'))).toFixed(2)}×`,
        );
      }
    }
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
