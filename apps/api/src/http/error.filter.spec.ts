import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError, loadConfig } from '@vitrine/core';
import { StorageHealth } from '../health/storage-health';
import { ApiExceptionFilter } from './error.filter';

/** A real ENOSPC, as the file system throws it: /dev/full answers every write with one. */
async function enospc(): Promise<unknown> {
  const fh = await fs.open('/dev/full', 'w');
  try {
    await fh.write(Buffer.alloc(64));
  } catch (e) {
    return e;
  } finally {
    await fh.close();
  }
  throw new Error('/dev/full accepted a write');
}

describe('ApiExceptionFilter and storage faults', () => {
  let dir: string;
  let storage: StorageHealth;
  let filter: ApiExceptionFilter;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-filter-'));
    storage = new StorageHealth([{ name: 'vector store', dir }]);
    filter = new ApiExceptionFilter(loadConfig({ DATA_DIR: dir }, dir), storage);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('answers a full disk under an adapter with 507 INSUFFICIENT_STORAGE and makes readiness fail', async () => {
    await expect(storage.check()).resolves.toEqual({ writable: ['vector store'] });
    const appendFailed = new Error('WAL append failed', { cause: await enospc() });
    const { status, body } = filter.describe(appendFailed);
    expect(status).toBe(507);
    expect(body.error).toMatchObject({ code: 'INSUFFICIENT_STORAGE', details: { reason: 'ENOSPC' } });
    expect(body.error.message).toMatch(/out of disk space/);
    expect(JSON.stringify(body)).not.toContain('/dev/full');
    await expect(storage.check()).rejects.toThrow(/^INSUFFICIENT_STORAGE \(ENOSPC\) 0 s ago/);
  });

  it('answers PostgreSQL disk_full with 507, a read-only data dir with 503', () => {
    const pgFull = Object.assign(new Error('could not extend file "base/1/2": No space left on device'), {
      code: '53100',
    });
    expect(filter.describe(pgFull)).toMatchObject({
      status: 507,
      body: { error: { code: 'INSUFFICIENT_STORAGE', details: { reason: '53100' } } },
    });
    const readOnly = new DomainError('UNAVAILABLE', 'store write failed', undefined, {
      cause: Object.assign(new Error('EROFS: read-only file system, open'), {
        code: 'EROFS',
        syscall: 'open',
        path: path.join(dir, 'wal-0.log'),
      }),
    });
    const { status, body } = filter.describe(readOnly);
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', details: { reason: 'EROFS' } });
    expect(body.error.message).not.toContain(dir);
  });

  it('still answers other failures as before', () => {
    expect(filter.describe(new Error('boom')).status).toBe(500);
    expect(filter.describe(new DomainError('NOT_FOUND', 'x')).status).toBe(404);
    const socket = Object.assign(new Error('connect EACCES'), { code: 'EACCES', syscall: 'connect' });
    expect(
      filter.describe(new DomainError('UNAVAILABLE', 'fetch failed', {}, { cause: socket })),
    ).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
    });
  });
});
