import { Logger } from '@nestjs/common';
import { Client, type ClientBase, type PoolConfig } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import type { AppConfig } from '@vitrine/core';
import { CATALOG_ENTITIES } from './entities';
import { CATALOG_MIGRATIONS } from './migrations';
import { startPglite, type PgliteHost, type PgliteHostOptions } from './pglite-host';

/** A TypeORM migration class of a library that owns tables beside the catalog's. */
export type LibraryMigration = new () => MigrationInterface;

/**
 * How another library's table refers to a product, for its migrations: `CONSTRAINT "t_product_fk" FOREIGN KEY
 * ("product_id") ${PRODUCT_ID_REFERENCE}`. Its rows go with their product (cascade), and can only be written for a product that
 * exists (SQLSTATE 23503 otherwise, see {@link isMissingProduct}).
 */
export const PRODUCT_ID_REFERENCE = 'REFERENCES "products" ("id") ON DELETE CASCADE';

/** Whether a write failed because the product its row refers to (by {@link PRODUCT_ID_REFERENCE}) does not exist. */
export function isMissingProduct(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ((current as { code?: unknown }).code === '23503') return true;
    current =
      (current as { driverError?: unknown; cause?: unknown }).driverError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}

/** `AppConfig.database`: an external PostgreSQL, or PGlite under a data folder. */
export type DatabaseConfig = AppConfig['database'];

export interface CatalogDataSourceOptions {
  /**
   * Apply pending migrations before returning (default true). With PostgreSQL they run under an advisory lock, so
   * an API and an indexer starting together do not race. Pass false where a deploy step migrates instead.
   */
  readonly runMigrations?: boolean;
  /**
   * Migrations of the libraries the application composes, for the tables they own (e.g. `ATTRIBUTE_MIGRATIONS`):
   * run with the catalog's by the same runner, under the same lock and history table, in timestamp order.
   */
  readonly migrations?: readonly LibraryMigration[];
  /** Log every SQL statement (TypeORM's logger). */
  readonly logging?: boolean;
  /** Embedded mode: how crashes of PGlite are repaired and reported (see `startPglite`). */
  readonly embedded?: PgliteHostOptions;
}

/** The longest one catalog query may take when the configuration does not say (`DATABASE_QUERY_TIMEOUT_MS`). */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/** Embedded mode: the least time PGlite may stay unresponsive before it counts as stuck (startup, checkpoints). */
const MIN_WATCHDOG_MS = 5_000;

/** An initialised catalog connection. Create it once per process; {@link close} it on shutdown. */
export interface CatalogDatabase {
  readonly kind: DatabaseConfig['kind'];
  /**
   * Internal to the catalog: other code goes through the repositories. Libraries that own tables of their own (see
   * {@link CatalogDataSourceOptions.migrations}) run their statements on them through it.
   */
  readonly dataSource: DataSource;
  /** Embedded mode: the PGlite host (its state after crashes and restarts, where it listens); undefined otherwise. */
  readonly embedded: Pick<PgliteHost, 'state' | 'stats' | 'connection'> | undefined;
  /**
   * Settles with the reason once the embedded database crashed and could not be restarted (never with PostgreSQL,
   * whose restarts the pool rides out). The process should then exit so that its supervisor restarts it.
   */
  readonly unrecoverable: Promise<Error>;
  /** Closes the pool and, in embedded mode, stops PGlite (its files are flushed). Safe to call twice. */
  close(): Promise<void>;
}

/** Arbitrary but fixed: "vitrine catalog migrations" as a 32-bit key. */
const MIGRATION_LOCK_KEY = 0x76637467;
const MIGRATIONS_TABLE = 'catalog_migrations';

/**
 * Connects to the catalog described by `config` (normally `loadConfig().database`) and migrates it. Usable outside
 * Nest (CLI, benchmarks); `CatalogModule` uses it too.
 *
 * - `postgres`: TypeORM's postgres driver with a pool of `poolSize` connections.
 * - `pglite`: PGlite on `config.dir` in a worker thread behind a PostgreSQL wire server (see `startPglite`),
 *   reached by the same driver with a pool of one connection: PGlite runs one session, and a single pooled
 *   connection makes every transaction exclusive instead of interleaving sessions on it.
 */
export async function createCatalogDataSource(
  config: DatabaseConfig,
  options: CatalogDataSourceOptions = {},
): Promise<CatalogDatabase> {
  const common = {
    type: 'postgres' as const,
    entities: CATALOG_ENTITIES,
    migrations: [...CATALOG_MIGRATIONS, ...(options.migrations ?? [])],
    migrationsTableName: MIGRATIONS_TABLE,
    // Primary keys default to gen_random_uuid() (core since PostgreSQL 13); never CREATE EXTENSION at runtime.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    synchronize: false,
    migrationsRun: false,
    logging: options.logging ?? false,
    applicationName: 'vitrine',
  };
  const runMigrations = options.runMigrations ?? true;
  // Nothing waits on the catalog forever: a query (client side, which also covers a database that stopped
  // answering) and the wait for a pooled connection are bounded, so a stuck database fails requests instead of
  // hanging them.
  const timeoutMs = config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const bounded = { query_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs } satisfies PoolConfig;

  switch (config.kind) {
    case 'postgres': {
      const dataSource = new DataSource({
        ...common,
        url: config.url,
        poolSize: config.poolSize,
        // PostgreSQL cancels a statement over the bound itself (freeing the server); the client-side bound, a little
        // later, still covers a server that stopped answering.
        extra: {
          ...bounded,
          statement_timeout: timeoutMs,
          query_timeout: timeoutMs + 1000,
        } satisfies PoolConfig,
      });
      await dataSource.initialize();
      try {
        if (runMigrations) await migrateUnderLock(dataSource, config.url);
      } catch (e) {
        await dataSource.destroy();
        throw e;
      }
      return handle('postgres', dataSource, undefined, new Promise<Error>(() => undefined));
    }
    case 'pglite': {
      let giveUp: (e: Error) => void = () => undefined;
      const unrecoverable = new Promise<Error>((resolve) => (giveUp = resolve));
      const host = await startPglite(config.dir, {
        logger: new Logger('EmbeddedDatabase'),
        // A statement still running at twice the bound was given up by its client long ago and blocks every other
        // query (PGlite runs one at a time, on the worker's thread): restart PGlite rather than wait for it.
        watchdogMs: Math.max(2 * timeoutMs, MIN_WATCHDOG_MS),
        ...options.embedded,
        onUnrecoverable: (e) => {
          options.embedded?.onUnrecoverable?.(e);
          giveUp(e);
        },
      });
      const dataSource = new DataSource({
        ...common,
        host: host.connection.host,
        port: host.connection.port,
        username: 'postgres',
        database: 'postgres',
        poolSize: 1,
        extra: {
          ...bounded,
          // Keep the one connection open: reconnecting costs a PGlite session reset for nothing.
          idleTimeoutMillis: 0,
          onConnect: resetPgliteSession,
        } satisfies PgliteAwarePoolConfig,
      });
      try {
        await dataSource.initialize();
        if (runMigrations) await dataSource.runMigrations({ transaction: 'all' });
      } catch (e) {
        if (dataSource.isInitialized) await dataSource.destroy();
        await host.stop();
        throw e;
      }
      return handle('pglite', dataSource, host, unrecoverable);
    }
  }
}

/** pg-pool awaits the promise `onConnect` returns (its `_promiseTry`); @types/pg still types it as returning void. */
type PgliteAwarePoolConfig = Omit<PoolConfig, 'onConnect'> & {
  readonly onConnect: (client: ClientBase) => Promise<unknown>;
};

/**
 * Gives every new connection to PGlite a fresh session, as a new PostgreSQL connection has.
 *
 * pglite-socket serves every client connection from PGlite's one backend session, so whatever a closed connection
 * left there (named prepared statements above all) is still there for the next one. `pg` caches which statement
 * names it has prepared per connection, and `pg-pool` drops a connection whenever a query on it fails; the
 * replacement starts with an empty cache, sends Parse for a name the session still holds, and every later use of
 * that statement failed with "prepared statement … already exists" until restart. `DISCARD ALL` is what session
 * poolers (pgbouncer's `server_reset_query`) run for the same reason; pg-pool awaits this before handing the
 * connection out. If it fails, the connection is refused and queries (and readiness) report it.
 */
function resetPgliteSession(client: ClientBase): Promise<unknown> {
  return client.query('DISCARD ALL');
}

function handle(
  kind: DatabaseConfig['kind'],
  dataSource: DataSource,
  host: PgliteHost | undefined,
  unrecoverable: Promise<Error>,
): CatalogDatabase {
  let closing: Promise<void> | undefined;
  return {
    kind,
    dataSource,
    embedded: host,
    unrecoverable,
    close: () =>
      (closing ??= (async () => {
        try {
          if (dataSource.isInitialized) await dataSource.destroy();
        } finally {
          await host?.stop();
        }
      })()),
  };
}

/**
 * The lock lives on its own short-lived connection, so it works with any pool size (even 1) while TypeORM runs the
 * migrations on a pooled one.
 */
async function migrateUnderLock(dataSource: DataSource, url: string): Promise<void> {
  const lock = new Client({ connectionString: url, application_name: 'vitrine-migrations' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock.end();
  }
}
