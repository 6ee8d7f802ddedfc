import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError, loadConfig } from '@vitrine/core';
import { STORAGE_FAULT_HOLD_MS, STORAGE_PROBE_FILE, StorageHealth } from './storage-health';

// Disk-full without a tiny file system or root tricks: the probe file is a symlink to /dev/full, which answers
// every write with a real ENOSPC. A directory that refuses new files is /sys (sysfs refuses them even to root).
describe('StorageHealth', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-storage-'));
    clock = 1_000_000;
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the check to fail');
      },
      (e: unknown) => (e as Error).message,
    );

  it('is up when every directory in use takes a flushed write, and leaves no probe file behind', async () => {
    const health = new StorageHealth([{ name: 'vector store', dir }], { now });
    expect(await health.check()).toEqual({ writable: ['vector store'] });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it("checks the directories the configuration stores data in, and leaves PGlite's own folder alone", async () => {
    const embedded = loadConfig({ DATA_DIR: dir }, dir);
    if (embedded.vectors.kind !== 'embedded') throw new Error('expected the embedded store');
    await fs.mkdir(embedded.vectors.dir, { recursive: true });
    expect(await StorageHealth.forConfig(embedded).check()).toEqual({
      writable: ['catalog database', 'vector store'],
    });
    const remote = loadConfig(
      { DATA_DIR: dir, DATABASE_URL: 'postgres://db/x', QDRANT_URL: 'http://qdrant:6333' },
      dir,
    );
    expect(await StorageHealth.forConfig(remote).check()).toEqual({
      kind: 'nothing stored locally (PostgreSQL and Qdrant)',
    });
  });

  it('says when nothing is stored locally', async () => {
    expect(await new StorageHealth([]).check()).toEqual({
      kind: 'nothing stored locally (PostgreSQL and Qdrant)',
    });
  });

  it('is down on a full disk, and stays down for the hold time after the disk took writes again', async () => {
    const health = new StorageHealth([{ name: 'vector store', dir }], { now });
    await fs.symlink('/dev/full', path.join(dir, STORAGE_PROBE_FILE));
    expect(await failure(health.check())).toBe('vector store: cannot write (INSUFFICIENT_STORAGE, ENOSPC)');
    // The probe removed its file (the symlink): the directory takes writes again, but a full disk comes back
    // as soon as something larger than one block is written, so the fault is remembered.
    expect(await fs.readdir(dir)).toEqual([]);
    clock += STORAGE_FAULT_HOLD_MS - 1;
    expect(await failure(health.check())).toMatch(/^INSUFFICIENT_STORAGE \(ENOSPC\) 60 s ago/);
    clock += 1;
    expect(await health.check()).toEqual({ writable: ['vector store'] });
  });

  it('is down while the data directory refuses new files', async () => {
    const health = new StorageHealth([{ name: 'catalog database', dir: '/sys' }], { now });
    expect(await failure(health.check())).toMatch(
      /^catalog database: cannot write \(STORAGE_UNAVAILABLE, (EACCES|EROFS|EPERM)\)$/,
    );
  });

  it('is down for the hold time after a request met a full disk', async () => {
    const health = new StorageHealth([{ name: 'vector store', dir }], { now });
    health.recordFault(new DomainError('INSUFFICIENT_STORAGE', 'full', { reason: 'ENOSPC' }));
    clock += 5_000;
    expect(await failure(health.check())).toMatch(/^INSUFFICIENT_STORAGE \(ENOSPC\) 5 s ago/);
    clock += STORAGE_FAULT_HOLD_MS;
    expect(await health.check()).toEqual({ writable: ['vector store'] });
  });
});
