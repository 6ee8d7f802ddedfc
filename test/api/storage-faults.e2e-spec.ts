import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { STORAGE_PROBE_FILE } from '../../apps/api/src/health/storage-health';
import { startApiApp, type ApiTestApp } from './api-app';

// A full disk without a tiny file system or root: the readiness probe's file is made a symlink to /dev/full,
// so its write meets a real ENOSPC from the kernel.
describe('storage faults through HTTP', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  }, 120_000);
  afterAll(() => t?.close());

  it('readiness checks that the data directory takes writes, and reports a full disk with 503 until it passes', async () => {
    if (t.config.vectors.kind !== 'embedded') throw new Error('this test needs the embedded vector store');
    const ready = await request(t.server).get('/readyz').expect(200);
    expect(ready.body.details.storage).toEqual({ status: 'up', writable: ['vector store'] });

    symlinkSync('/dev/full', join(t.config.vectors.dir, STORAGE_PROBE_FILE));
    const full = await request(t.server).get('/readyz').expect(503);
    expect(full.body.error.details.storage).toEqual({
      status: 'down',
      message: 'vector store: cannot write (INSUFFICIENT_STORAGE, ENOSPC)',
    });
    expect(full.headers['retry-after']).toBeDefined();
    // The other dependencies are still reported up: the details say which one is the problem.
    expect(full.body.error.details.vectorStore.status).toBe('up');

    // The probe's file is gone, but the fault is remembered for a while: one block fitting is no proof.
    const still = await request(t.server).get('/readyz').expect(503);
    expect(still.body.error.details.storage.message).toMatch(/^INSUFFICIENT_STORAGE \(ENOSPC\) \d+ s ago/);

    // Reads do not need the disk: searches go on answering.
    await request(t.server).post('/v1/search/text').send({ query: 'mug' }).expect(200);
  });

  it('documents 507 on the admin routes', async () => {
    const doc = await request(t.server).get('/docs/openapi.json').expect(200);
    const responses = doc.body.paths['/v1/admin/products'].post.responses as Record<string, unknown>;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['507']));
  });
});
