import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { TEST_RUN_VARIABLE } from './support/demo-snapshot';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services';

/**
 * Global setup of the `integration` Jest project (*.int-spec.ts, *.e2e-spec.ts), which runs on the real PostgreSQL
 * and Redis. A missing service is a failure with a message that says how to start it, never a silent skip. The
 * `unit` project has no global setup: `npm run test:unit` needs no services.
 */
export default async function globalSetup(): Promise<void> {
  const problems: string[] = [];
  const pg = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
    await pg.query('select 1');
  } catch (e) {
    problems.push(
      `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(e as Error).message}). ` +
        'Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
  });
  // connect() rejects with a bare "Connection is closed."; the cause (e.g. ECONNREFUSED) comes as an 'error' event,
  // which ioredis would otherwise print as unhandled.
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause = e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    problems.push(
      `Redis at ${TEST_REDIS_URL} is not reachable (${(cause ?? (e as Error)).message}). ` +
        'Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    );
  } finally {
    redis.disconnect();
  }
  if (problems.length) throw new Error(`Integration services are down:\n- ${problems.join('\n- ')}`);
  // Names this run for what its suites share (the demo catalog's snapshot); test files and workers inherit it.
  process.env[TEST_RUN_VARIABLE] = randomBytes(6).toString('hex');
}
