import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createCatalogDataSource,
  IndexOutboxRepository,
  IndexStateRepository,
  ProductRepository,
  type CatalogDatabase,
} from '@vitrine/catalog';
import { createTestDatabase } from './database';

export type CatalogBackend = 'postgres' | 'pglite';
/** Every backend the catalog supports; run shared suites over all of them with `describe.each`. */
export const CATALOG_BACKENDS: readonly CatalogBackend[] = ['postgres', 'pglite'];

/** A migrated, empty catalog of its own for one test file. */
export interface TestCatalog {
  readonly backend: CatalogBackend;
  readonly db: CatalogDatabase;
  readonly products: ProductRepository;
  readonly indexState: IndexStateRepository;
  readonly outbox: IndexOutboxRepository;
  /** Empties every catalog table (between tests of one file). */
  reset(): Promise<void>;
  /** Closes the connection and deletes the database (PostgreSQL) or the data folder (PGlite). */
  close(): Promise<void>;
}

/** Starting PGlite, and above all initialising a new data folder, takes seconds: give beforeAll room. */
export const OPEN_CATALOG_TIMEOUT_MS = 120_000;

/**
 * Opens a fresh catalog on `backend`: a new PostgreSQL database (dropped by `close`) or a PGlite folder in a temp
 * dir (deleted by `close`), with the catalog migrations applied.
 */
export async function openTestCatalog(backend: CatalogBackend): Promise<TestCatalog> {
  let db: CatalogDatabase;
  let cleanup: () => Promise<void>;
  if (backend === 'postgres') {
    const database = await createTestDatabase('catalog');
    try {
      db = await createCatalogDataSource({ kind: 'postgres', url: database.url, poolSize: 4 });
    } catch (e) {
      await database.drop();
      throw e;
    }
    cleanup = () => database.drop();
  } else {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-test-pglite-'));
    const dir = path.join(root, 'data');
    await copyPgliteTemplate(dir);
    try {
      db = await createCatalogDataSource({ kind: 'pglite', dir });
    } catch (e) {
      fs.rmSync(root, { recursive: true, force: true });
      throw e;
    }
    cleanup = () => Promise.resolve(fs.rmSync(root, { recursive: true, force: true }));
  }
  // Wired as CatalogModule wires them: product writes announce their committed changes through the outbox.
  const outbox = new IndexOutboxRepository(db);
  return {
    backend,
    db,
    products: new ProductRepository(db, outbox),
    indexState: new IndexStateRepository(db),
    outbox,
    reset: async () => {
      await db.dataSource.query(
        'TRUNCATE products, product_images, product_index_states, index_outbox CASCADE',
      );
    },
    close: async () => {
      try {
        await db.close();
      } finally {
        await cleanup();
      }
    },
  };
}

/**
 * Copies an initialised (initdb'd, unmigrated) PGlite folder into `dir`. Initialising one takes ~10 s on a busy
 * machine, copying ~1 s: the template is made once per machine and PGlite version, in the OS temp dir.
 */
export async function copyPgliteTemplate(dir: string): Promise<void> {
  const template = path.join(os.tmpdir(), `vitrine-pglite-template-${pgliteVersion()}`);
  if (!fs.existsSync(path.join(template, 'PG_VERSION'))) {
    const building = `${template}.${process.pid}.tmp`;
    fs.rmSync(building, { recursive: true, force: true });
    const db = await createCatalogDataSource({ kind: 'pglite', dir: building }, { runMigrations: false });
    await db.close();
    try {
      fs.renameSync(building, template);
    } catch {
      // Another test process published its template first; theirs is as good as ours.
      fs.rmSync(building, { recursive: true, force: true });
    }
  }
  fs.cpSync(template, dir, { recursive: true });
}

function pgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
