// npm run bench:import [-- <products>]
// Generates a synthetic catalog (default 10,000 products) as JSONL in a temp folder, imports it into a fresh
// PostgreSQL database (TEST_DATABASE_URL's server) and into a fresh embedded PGlite, then imports it again: the
// second run must write nothing. Prints wall times and rows/s; exits 1 if a re-import changed anything.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CatalogImportService,
  createCatalogDataSource,
  ProductRepository,
  type CatalogDatabase,
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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

async function bench(name: string, config: DatabaseConfig, file: string): Promise<boolean> {
  let t = performance.now();
  const db: CatalogDatabase = await createCatalogDataSource(config);
  const openMs = performance.now() - t;
  try {
    const service = new CatalogImportService(new ProductRepository(db));
    t = performance.now();
    const first = await service.importFile(file);
    const firstMs = performance.now() - t;
    t = performance.now();
    const second = await service.importFile(file);
    const secondMs = performance.now() - t;

    console.log(`${name}:`);
    console.log(
      `  open + migrate          ${ms(openMs)}${config.kind === 'pglite' ? ' (new data folder: initdb)' : ''}`,
    );
    console.log(`  import                  ${ms(firstMs)}  ${rate(first, firstMs)}  ${counts(first)}`);
    console.log(`  re-import (no-op)       ${ms(secondMs)}  ${rate(second, secondMs)}  ${counts(second)}`);
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
