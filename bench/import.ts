// npm run bench:import [-- <products>]
// Generates a synthetic catalog (default 10,000 products) as JSONL in a temp folder, imports it into a fresh
// PostgreSQL database (TEST_DATABASE_URL's server), into a fresh embedded PGlite (Vitrine's memory settings) and
// into one started with Postgres' own settings (128 MB shared_buffers), then imports it again: the second run must
// write nothing. Then 500 full-text searches (two words, 20 hits, with their cards) on each. Prints wall times,
// rows/s, the process's CPU per search (PGlite runs on a thread of this process) and RSS; exits 1 if a re-import
// changed anything.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CatalogImportService,
  createCatalogDataSource,
  ProductRepository,
  ProductSearchRepository,
  type CatalogDatabase,
  type CatalogDataSourceOptions,
  type DatabaseConfig,
  type ImportReport,
} from '@vitrine/catalog';
import { createTestDatabase } from '../test/support/database';
import { syntheticCatalogLines, writeJsonl } from '../test/support/catalog-fixtures';

const count = Number(process.argv[2] ?? 10_000);

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-bench-import-'));
  const file = path.join(dir, 'catalog.jsonl');
  let failed = false;
  try {
    const t = performance.now();
    await writeJsonl(file, syntheticCatalogLines(count));
    const mb = fs.statSync(file).size / 1024 / 1024;
    console.log(`generated ${count} products, ${mb.toFixed(1)} MiB JSONL in ${ms(performance.now() - t)}`);
    console.log(`node ${process.version}, ${os.cpus().length} cores, batch size 500\n`);

    const pg = await createTestDatabase('bench_import');
    try {
      failed = (await bench('postgres', { kind: 'postgres', url: pg.url, poolSize: 4 }, file)) || failed;
    } finally {
      await pg.drop();
    }

    failed = (await bench('pglite', { kind: 'pglite', dir: path.join(dir, 'pglite') }, file)) || failed;
    const defaults = { kind: 'pglite', dir: path.join(dir, 'pglite-defaults') } as const;
    const options = { embedded: { settings: [] } };
    failed = (await bench("pglite, Postgres' own settings", defaults, file, options)) || failed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

const SEARCHES = 500;
const WORDS = ['red', 'blue', 'green', 'black', 'lamp', 'chair', 'mug', 'kettle', 'scarf', 'everyday'];

async function bench(
  name: string,
  config: DatabaseConfig,
  file: string,
  options: CatalogDataSourceOptions = {},
): Promise<boolean> {
  let t = performance.now();
  const db: CatalogDatabase = await createCatalogDataSource(config, options);
  const openMs = performance.now() - t;
  try {
    const service = new CatalogImportService(new ProductRepository(db));
    t = performance.now();
    const first = await service.importFile(file);
    const firstMs = performance.now() - t;
    t = performance.now();
    const second = await service.importFile(file);
    const secondMs = performance.now() - t;
    const search = new ProductSearchRepository(db);
    const cpu = process.cpuUsage();
    t = performance.now();
    for (let i = 0; i < SEARCHES; i++) {
      const query = `${WORDS[i % WORDS.length]!} ${WORDS[(i * 3 + 1) % WORDS.length]!}`;
      const hits = await search.lexicalSearch(query, {}, 20);
      await search.cards(hits.map((h) => h.id));
    }
    const searchMs = performance.now() - t;
    const used = process.cpuUsage(cpu);

    console.log(`${name}:`);
    console.log(
      `  open + migrate          ${ms(openMs)}${config.kind === 'pglite' ? ' (new data folder: initdb)' : ''}`,
    );
    console.log(`  import                  ${ms(firstMs)}  ${rate(first, firstMs)}  ${counts(first)}`);
    console.log(`  re-import (no-op)       ${ms(secondMs)}  ${rate(second, secondMs)}  ${counts(second)}`);
    console.log(
      `  ${SEARCHES} searches + cards  ${ms(searchMs)}  ${((used.user + used.system) / 1000 / SEARCHES).toFixed(2)} ms CPU each`,
    );
    console.log(`  rss after               ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB\n`);
    const noop = second.created === 0 && second.updated === 0 && second.unchanged === count;
    if (!noop) console.error(`  re-import on ${name} changed products: it must be a no-op`);
    return !noop || first.created !== count;
  } finally {
    await db.close();
  }
}

const ms = (v: number) => `${(v / 1000).toFixed(2)} s`.padStart(8);
const rate = (r: ImportReport, v: number) => `${Math.round(r.accepted / (v / 1000))} rows/s`.padStart(14);
const counts = (r: ImportReport) => `(created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged})`;

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
