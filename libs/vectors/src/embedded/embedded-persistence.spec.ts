import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import { CRASH_BATCH, crashId } from '../testing/crash-writer';
import { makeDataset, toInput } from '../testing/dataset';
import type { VectorStore } from '../vector-store';
import { EmbeddedVectorStore, type EmbeddedOptions } from './embedded-store';
import { WAL_MAGIC } from './storage/wal';

const DIM = 16;
const data = makeDataset(99, 60, DIM);
const [batchA, batchB] = [data.slice(0, 30), data.slice(30)];
const shape = { name: 'items', dim: DIM, vectors: ['image', 'text'] as const };

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-persist-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const collectionDir = () => path.join(dir, 'collections', 'items');
const files = async () => (await fs.readdir(collectionDir())).sort();

async function withStore<T>(
  fn: (s: EmbeddedVectorStore) => Promise<T>,
  options?: EmbeddedOptions,
): Promise<T> {
  const s = await EmbeddedVectorStore.open(dir, options);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function ids(s: VectorStore): Promise<string[]> {
  return (await s.scrollIds('items', { limit: 10_000 })).ids as string[];
}

const sorted = (points: typeof data) => points.map((p) => p.id).sort();

/** Writes batch A, then batch B as the last log record, and closes. */
async function writeTwoBatches(options?: EmbeddedOptions): Promise<void> {
  await withStore(async (s) => {
    await s.ensureCollection({ ...shape, vectors: [...shape.vectors] });
    await s.upsert('items', batchA.map(toInput));
    await s.upsert('items', batchB.map(toInput));
  }, options);
}

describe('EmbeddedVectorStore persistence', () => {
  it('reopens with every acknowledged write, alias and delete', async () => {
    await withStore(async (s) => {
      await s.ensureCollection({ ...shape, vectors: [...shape.vectors] });
      await s.upsert('items', data.map(toInput));
      await s.delete('items', [data[0]!.id, data[1]!.id]);
      await s.switchAlias('live', 'items');
    });
    await withStore(async (s) => {
      expect(await s.resolveAlias('live')).toBe('items');
      expect(await ids(s)).toEqual(sorted(data.slice(2)));
      const [p] = await s.get('live', [data[5]!.id], { withVectors: true });
      expect(p!.payload).toEqual(data[5]!.payload);
      expect(Array.from(p!.vectors!.image ?? [])).toEqual(Array.from(data[5]!.vectors.image ?? []));
      const q = data[7]!.vectors.text!;
      const hits = await s.search('live', { vector: 'text', query: q, limit: 1 });
      expect(hits[0]!.id).toBe(data[7]!.id);
    });
  });

  it('folds the log into a new segment and deletes the old generation', async () => {
    await writeTwoBatches({ compaction: { minLogBytes: 0, logToSegmentRatio: 0 } });
    expect(await files()).toEqual(['segment-2.bin', 'wal-2.log']);
    expect((await fs.stat(path.join(collectionDir(), 'wal-2.log'))).size).toBe(WAL_MAGIC.length);
    await withStore(async (s) => expect(await ids(s)).toEqual(sorted(data)));
  });

  it('drops a torn last log record and keeps every record before it', async () => {
    await writeTwoBatches();
    const wal = path.join(collectionDir(), 'wal-0.log');
    const { size } = await fs.stat(wal);
    // Cut the file in the middle of batch B's record, as a crash during the append would.
    await fs.truncate(wal, size - 100);
    await withStore(async (s) => {
      expect(await ids(s)).toEqual(sorted(batchA));
      // The torn tail was cut off, so a write after recovery is not hidden behind it.
      await s.upsert('items', batchB.slice(0, 3).map(toInput));
    });
    await withStore(async (s) => expect(await ids(s)).toEqual(sorted([...batchA, ...batchB.slice(0, 3)])));
  });

  it('ignores garbage after the last record and a record whose checksum fails', async () => {
    await writeTwoBatches();
    const wal = path.join(collectionDir(), 'wal-0.log');
    await fs.appendFile(wal, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
    await withStore(async (s) => expect(await ids(s)).toEqual(sorted(data)));
    const buf = await fs.readFile(wal);
    buf[buf.length - 40] = (buf[buf.length - 40] as number) ^ 0xff; // flip a byte inside batch B's record
    await fs.writeFile(wal, buf);
    await withStore(async (s) => expect(await ids(s)).toEqual(sorted(batchA)));
  });

  it('ignores half-written temp files of an interrupted snapshot or catalog write', async () => {
    await writeTwoBatches();
    await fs.writeFile(path.join(collectionDir(), 'segment-1.bin.tmp'), Buffer.from('VITRSEG1\u0001'));
    await fs.writeFile(path.join(dir, 'catalog.json.tmp'), '{"version":1,"collections":{');
    await withStore(async (s) => {
      expect(await s.listCollections()).toEqual(['items']);
      expect(await ids(s)).toEqual(sorted(data));
    });
    expect(await files()).toEqual(['wal-0.log']);
    expect(await fs.readdir(dir)).not.toContain('catalog.json.tmp');
  });

  it('opens the newer generation when a crash left the previous one behind', async () => {
    const compactAlways = { compaction: { minLogBytes: 0, logToSegmentRatio: 0 } };
    await withStore(async (s) => {
      await s.ensureCollection({ ...shape, vectors: [...shape.vectors] });
      await s.upsert('items', batchA.map(toInput));
    }, compactAlways);
    // Generation 1 = batch A. Keep a copy of its files, as if their removal had not happened yet.
    const old = await Promise.all(
      ['segment-1.bin', 'wal-1.log'].map((f) => fs.readFile(path.join(collectionDir(), f))),
    );
    await withStore(async (s) => {
      await s.delete('items', [batchA[0]!.id]);
      await s.upsert('items', batchB.map(toInput));
    }, compactAlways);
    expect(await files()).toEqual(['segment-3.bin', 'wal-3.log']);
    await fs.writeFile(path.join(collectionDir(), 'segment-1.bin'), old[0]!);
    await fs.writeFile(path.join(collectionDir(), 'wal-1.log'), old[1]!);
    await withStore(async (s) => expect(await ids(s)).toEqual(sorted(data.slice(1))));
    expect(await files()).toEqual(['segment-3.bin', 'wal-3.log']);
  });

  it('opens past a corrupt segment, reports the loss, keeps a copy and writes a sound generation', async () => {
    // A snapshot used to be all or nothing, and a failed checksum made the collection unusable until someone
    // deleted files by hand. Now the store opens with what is intact (here: nothing, the 60 points are one
    // checksummed batch) and the indexer's reconcile re-indexes the rest from the catalog.
    await writeTwoBatches({ compaction: { minLogBytes: 0, logToSegmentRatio: 0 } });
    const seg = path.join(collectionDir(), 'segment-2.bin');
    const buf = await fs.readFile(seg);
    buf[100] = (buf[100] as number) ^ 0xff;
    await fs.writeFile(seg, buf);
    await withStore(async (s) => {
      expect(await s.count('items')).toBe(0);
      expect(s.damage()).toEqual([
        expect.objectContaining({
          kind: 'segment',
          reason: 'corrupt',
          file: 'collections/items/segment-2.bin',
        }),
      ]);
      await s.upsert('items', batchA.map(toInput));
    });
    const names = await files();
    const copy = names.find((n) => n.startsWith('segment-2.bin.corrupt-'));
    expect(copy).toBeDefined();
    expect(await fs.readFile(path.join(collectionDir(), copy!))).toEqual(buf);
    expect(names.filter((n) => !n.includes('.corrupt-'))).toEqual(['segment-3.bin', 'wal-3.log']);
    await withStore(async (s) => {
      expect(await ids(s)).toEqual(sorted(batchA));
      expect(s.damage()).toEqual([]);
    });
  });

  it('removes the files of a collection dropped just before a crash', async () => {
    await writeTwoBatches();
    await fs.mkdir(path.join(dir, 'collections', 'orphan'));
    await withStore(async (s) => expect(await s.listCollections()).toEqual(['items']));
    expect(await fs.readdir(path.join(dir, 'collections'))).toEqual(['items']);
  });

  it('lets one process hold the directory, and takes over the lock of a dead one', async () => {
    const s = await EmbeddedVectorStore.open(dir);
    await expect(EmbeddedVectorStore.open(dir)).rejects.toMatchObject({ code: 'CONFLICT' });
    await s.close();
    await expect(s.count('items')).rejects.toBeInstanceOf(DomainError);
    // A pid that cannot be running: the lock of a crashed process.
    await fs.writeFile(path.join(dir, 'LOCK'), '2147483646');
    await withStore(async (again) => expect(await again.listCollections()).toEqual([]));
  });

  it('keeps its own copy of payloads: changing the caller objects afterwards changes nothing', async () => {
    await withStore(async (s) => {
      await s.ensureCollection({ ...shape, vectors: [...shape.vectors] });
      const input = toInput(data[0]!);
      const payload = { ...input.payload, attributes: { color: 'red' } };
      await s.upsert('items', [{ ...input, payload }]);
      (payload.attributes as Record<string, string>).color = 'blue';
      expect(await s.count('items', { attributes: { color: 'red' } })).toBe(1);
      const [p] = await s.get('items', [input.id]);
      expect(Object.isFrozen(p!.payload)).toBe(true);
    });
  });

  it('survives SIGKILL at arbitrary moments with every acknowledged batch intact', async () => {
    const writer = path.join(__dirname, '..', 'testing', 'crash-writer.ts');
    for (const killAfter of [4, 9]) {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', writer, dir], {
        cwd: path.resolve(__dirname, '../../../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let acked = -1;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          for (const line of d.toString().split('\n').filter(Boolean)) acked = Math.max(acked, Number(line));
          if (acked >= killAfter) {
            // A little later than the ack, so the kill lands inside the next write (or its compaction).
            setTimeout(() => child.kill('SIGKILL'), 3 * killAfter);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      });
      await exited;
      await withStore(async (s) => {
        const n = await s.count('crash');
        const batches = n / CRASH_BATCH;
        expect(Number.isInteger(batches)).toBe(true);
        expect(batches).toBeGreaterThanOrEqual(acked + 1);
        expect(batches).toBeLessThanOrEqual(acked + 2);
        const lastAcked = await s.get('crash', [crashId(acked, 0), crashId(acked, CRASH_BATCH - 1)]);
        expect(lastAcked.map((p) => p.payload)).toEqual([
          { batch: acked, i: 0 },
          { batch: acked, i: CRASH_BATCH - 1 },
        ]);
        await s.dropCollection('crash');
      });
    }
  }, 60_000);
});
