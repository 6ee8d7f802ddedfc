import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '@vitrine/core';
import { TEST_DATABASE_URL } from '../../../../test/support/services';
import { StorageHealth } from '../health/storage-health';
import { ApiExceptionFilter } from './error.filter';

/** What a query throws when PostgreSQL ends its session, as a fast restart (`pg_ctl restart -m fast`) does. */
async function sessionEndedError(): Promise<unknown> {
  const ds = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, poolSize: 1 });
  await ds.initialize();
  try {
    await ds.query('SELECT pg_terminate_backend(pg_backend_pid())');
  } catch (e) {
    return e;
  } finally {
    await ds.destroy();
  }
  throw new Error('the session survived pg_terminate_backend');
}

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

/**
 * Real errors from a real PostgreSQL: the soak run's PostgreSQL restarts answered 500 on searches and writes in
 * flight; they must be a 503 with Retry-After (nothing was changed, the pool reconnects by itself).
 */
describe('ApiExceptionFilter and dependency outages', () => {
  let dir: string;
  let filter: ApiExceptionFilter;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-outage-'));
    filter = new ApiExceptionFilter(
      loadConfig({ DATA_DIR: dir }, dir),
      new StorageHealth([{ name: 'vector store', dir }]),
    );
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('answers a session ended by a restart (57P01, through TypeORM) with 503 UNAVAILABLE', async () => {
    const { status, body } = filter.describe(await sessionEndedError());
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: 'UNAVAILABLE', details: { reason: '57P01' } });
    expect(body.error.message).toMatch(/retry shortly/);
  });

  it('answers a refused connection (PostgreSQL down) with 503 and names no address', async () => {
    const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:9/test' });
    const refused = await errorOf(() => client.connect());
    const { status, body } = filter.describe(refused);
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'ECONNREFUSED' } });
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('still answers a query that is simply wrong with 500', async () => {
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const wrong = await errorOf(() => client.query('SELECT * FROM no_such_table_here'));
      expect(filter.describe(wrong).status).toBe(500);
    } finally {
      await client.end();
    }
  });
});
