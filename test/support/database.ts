import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TEST_DATABASE_URL } from './services';

/** A PostgreSQL database of its own for one test file. */
export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as TEST_DATABASE_URL). */
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the test server (TEST_DATABASE_URL is the admin connection), named
 * `<prefix>_<random>` so test files and concurrent runs never share state:
 *
 * ```ts
 * let db: TestDatabase;
 * beforeAll(async () => (db = await createTestDatabase('catalog')));
 * afterAll(() => db.drop());
 * ```
 *
 * It is empty: run your migrations on it once (e.g. `createCatalogDataSource({ kind: 'postgres', url: db.url, … })`).
 */
export async function createTestDatabase(
  prefix = 'vitrine',
  options: { readonly template?: string } = {},
): Promise<TestDatabase> {
  const name = testDatabaseName(prefix, randomBytes(6).toString('hex'));
  // A template copies a prepared database (PostgreSQL copies its files: far faster than building it again).
  const template = options.template ? ` TEMPLATE "${options.template}"` : '';
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"${template}`));
  return testDatabaseAt(name);
}

/** `t_<prefix>_<suffix>`: the names every test database has, lower case and safe to quote. */
export function testDatabaseName(prefix: string, suffix: string): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `t_${safe(prefix).slice(0, 30)}_${safe(suffix)}`;
}

/** A handle on the test database `name` (which may not exist yet): its URL and a drop that ends its sessions. */
export function testDatabaseAt(name: string): TestDatabase {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () =>
      (dropped ??= withAdminClient(async (c) => {
        // WITH (FORCE) (PostgreSQL 13+) ends sessions a test left open instead of failing the drop.
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })),
  };
}

/** Runs `work` on a connection to the test server's admin database (TEST_DATABASE_URL). */
export async function withAdminClient(work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
