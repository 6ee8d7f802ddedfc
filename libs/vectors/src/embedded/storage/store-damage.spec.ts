import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { makeDataset, toInput } from '../../testing/dataset';
import { checkPoints } from '../../validation';
import type { VectorName } from '../../vector-store';
import { EmbeddedVectorStore } from '../embedded-store';
import { encodePoints } from './codec';
import { readSegment, writeSegment } from './segment';
import { WAL_MAGIC } from './wal';

/**
 * Every file type of the embedded store (log, snapshot segment, catalog and its backup), damaged by a flipped byte
 * and by a cut: the store opens, keeps every intact record, keeps a copy of what it dropped and reports it.
 */
const DIM = 8;
const NAMES: VectorName[] = ['image', 'text'];
const shape = { name: 'items', dim: DIM, vectors: NAMES };
const data = makeDataset(7, 1200, DIM);

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-damage-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const colDir = () => path.join(dir, 'collections', 'items');
const sortedIds = (points: typeof data) => points.map((p) => p.id).sort();

async function withStore<T>(fn: (s: EmbeddedVectorStore) => Promise<T>, compact = false): Promise<T> {
  const s = await EmbeddedVectorStore.open(
    dir,
    compact ? { compaction: { minLogBytes: 0, logToSegmentRatio: 0 } } : {},
  );
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function allIds(s: EmbeddedVectorStore): Promise<string[]> {
  return (await s.scrollIds('items', { limit: 10_000 })).ids as string[];
}

async function flip(file: string, at: number): Promise<Buffer> {
  const buf = await fs.readFile(file);
  buf[at] = (buf[at] as number) ^ 0x5a;
  await fs.writeFile(file, buf);
  return buf;
}

async function copies(): Promise<string[]> {
  const out: string[] = [];
  for (const d of [dir, colDir()]) {
    for (const n of await fs.readdir(d)) if (n.includes('.corrupt-')) out.push(n);
  }
  return out;
}

describe('log (wal-N.log)', () => {
  /** Writes `records` upserts of the given sizes; returns the byte offset where each record starts. */
  async function writeLog(sizes: readonly number[]): Promise<number[]> {
    const starts: number[] = [];
    let at = 0;
    await withStore(async (s) => {
      await s.ensureCollection(shape);
      await s.count('items'); // collections open (and create their log) on first use
      for (const n of sizes) {
        starts.push((await fs.stat(path.join(colDir(), 'wal-0.log'))).size);
        await s.upsert('items', data.slice(at, at + n).map(toInput));
        at += n;
      }
    });
    return starts;
  }

  it('keeps every complete record when the file is cut at any byte of its last record', async () => {
    const starts = await writeLog([40, 40, 1]);
    const wal = path.join(colDir(), 'wal-0.log');
    const whole = await fs.readFile(wal);
    const last = starts[2]!;
    for (let cut = last; cut < whole.length; cut++) {
      await fs.writeFile(wal, whole.subarray(0, cut));
      await withStore(async (s) => {
        expect(await s.count('items')).toBe(80);
        const damage = s.damage();
        if (cut === last) expect(damage).toEqual([]);
        else
          expect(damage).toEqual([
            expect.objectContaining({
              kind: 'wal',
              reason: 'torn',
              recordsKept: 2,
              bytesDiscarded: cut - last,
            }),
          ]);
      });
    }
    // After recovery the log accepts appends again, and they are not hidden behind the cut-off tail.
    await withStore(async (s) => s.upsert('items', data.slice(80, 81).map(toInput)));
    await withStore(async (s) => {
      expect(await allIds(s)).toEqual(sortedIds(data.slice(0, 81)));
      expect(s.damage()).toEqual([]);
    });
  });

  it('stops at a flipped byte, logs what it kept and dropped, and keeps the damaged tail', async () => {
    const starts = await writeLog([40, 40, 40]);
    const wal = path.join(colDir(), 'wal-0.log');
    const size = (await fs.stat(wal)).size;
    const original = await flip(wal, starts[1]! + 200);
    await withStore(async (s) => {
      // Records after the damaged one are dropped too: they might depend on it (a delete, a newer version).
      expect(await allIds(s)).toEqual(sortedIds(data.slice(0, 40)));
      expect(s.damage()).toEqual([
        expect.objectContaining({
          file: 'collections/items/wal-0.log',
          kind: 'wal',
          reason: 'corrupt',
          recordsKept: 1,
          bytesDiscarded: size - starts[1]!,
        }),
      ]);
    });
    const [copy] = await copies();
    expect(await fs.readFile(path.join(colDir(), copy!))).toEqual(original.subarray(starts[1]));
    expect((await fs.stat(wal)).size).toBe(starts[1]);
  });

  it("tells a damaged record length from a torn write (the header's own checksum)", async () => {
    const starts = await writeLog([40, 40]);
    await flip(path.join(colDir(), 'wal-0.log'), starts[1]! + 1);
    await withStore(async (s) => {
      expect(await s.count('items')).toBe(40);
      expect(s.damage()).toEqual([expect.objectContaining({ kind: 'wal', reason: 'corrupt' })]);
    });
  });

  it('loses nothing to a flipped byte in the magic: the records after it carry their own checksums', async () => {
    await writeLog([40, 40]);
    await flip(path.join(colDir(), 'wal-0.log'), 2);
    await withStore(async (s) => {
      expect(await s.count('items')).toBe(80);
      await s.upsert('items', data.slice(80, 90).map(toInput));
    });
    await withStore(async (s) => expect(await s.count('items')).toBe(90));
  });

  it('reads a log written before records had a header checksum, and rewrites it in the new format', async () => {
    await withStore((s) => s.ensureCollection(shape));
    const points = checkPoints(data.slice(0, 30).map(toInput), DIM, NAMES);
    const body = Buffer.concat([Buffer.from([1, 0, 0, 0]), ...encodePoints(points, NAMES)]);
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(body.length, 0);
    frame.writeUInt32LE(crc32(body), 4);
    await fs.writeFile(path.join(colDir(), 'wal-0.log'), Buffer.concat([frame, body]));
    await withStore(async (s) => {
      expect(await allIds(s)).toEqual(sortedIds(data.slice(0, 30)));
      expect(s.damage()).toEqual([]);
    });
    expect((await fs.readdir(colDir())).sort()).toEqual(['segment-1.bin', 'wal-1.log']);
    const head = (await fs.readFile(path.join(colDir(), 'wal-1.log'))).subarray(0, WAL_MAGIC.length);
    expect(head).toEqual(WAL_MAGIC);
  });
});

describe('snapshot (segment-N.bin)', () => {
  const points = () => checkPoints(data.slice(0, 100).map(toInput), DIM, NAMES);

  it('keeps every intact batch around a flipped byte, in the header or in a batch', async () => {
    const file = path.join(dir, 'segment-1.bin');
    await writeSegment(file, points(), NAMES, 10);
    const whole = await fs.readFile(file);
    // Every 97th byte: the magic, the header frame, batch frames and bodies.
    for (let at = 0; at < whole.length; at += 97) {
      const buf = Buffer.from(whole);
      buf[at] = (buf[at] as number) ^ 0x5a;
      await fs.writeFile(file, buf);
      const seg = await readSegment(file, DIM, NAMES);
      expect(seg.damage).toBe('corrupt');
      // A damaged byte costs at most the one batch it is in.
      expect(seg.points.length).toBeGreaterThanOrEqual(90);
      expect(seg.batchesKept + seg.batchesLost).toBeGreaterThanOrEqual(10);
      expect(seg.points.length).toBe(seg.batchesKept * 10);
    }
  });

  it('keeps every complete batch when cut at any byte of its last batch, and notices a cut between batches', async () => {
    const file = path.join(dir, 'segment-1.bin');
    await writeSegment(file, points(), NAMES, 10);
    const whole = await fs.readFile(file);
    const full = await readSegment(file, DIM, NAMES);
    expect(full).toMatchObject({ batchesKept: 10, batchesLost: 0, bytesDiscarded: 0 });
    expect(full.damage).toBeUndefined();
    // Where the last batch starts: cut the file shorter until one batch is lost.
    let lastStart = whole.length;
    for (let cut = whole.length - 1; cut > 0; cut--) {
      await fs.writeFile(file, whole.subarray(0, cut));
      const seg = await readSegment(file, DIM, NAMES);
      expect(seg.damage).toBe('torn');
      if (seg.batchesKept < 9) break;
      expect(seg.points.length).toBe(90);
      expect(seg.batchesLost).toBe(1);
      lastStart = cut;
    }
    expect(lastStart).toBeLessThan(whole.length - 12);
  });

  it('opens the store past a damaged batch: the other batches are kept, the loss reported and counted', async () => {
    await withStore(async (s) => {
      await s.ensureCollection(shape);
      await s.upsert('items', data.map(toInput));
      await s.compact();
    });
    const seg = path.join(colDir(), 'segment-1.bin');
    const { size } = await fs.stat(seg);
    await flip(seg, Math.floor(size / 2));
    await withStore(async (s) => {
      // 1200 points = batches of 512, 512, 176; the middle one is lost.
      expect(await s.count('items')).toBe(1200 - 512);
      expect(s.damage()).toEqual([
        expect.objectContaining({ kind: 'segment', reason: 'corrupt', recordsKept: 2, recordsLost: 1 }),
      ]);
    });
    expect((await copies()).length).toBe(1);
    // The store rewrote a sound generation: the next open finds no damage.
    await withStore(async (s) => {
      expect(await s.count('items')).toBe(1200 - 512);
      expect(s.damage()).toEqual([]);
    });
  });

  it('reads a snapshot written before batches had their own checksum, and rewrites it', async () => {
    await withStore((s) => s.ensureCollection(shape));
    const batch = encodePoints(points(), NAMES);
    const count = Buffer.alloc(4);
    count.writeUInt32LE(1);
    const body = Buffer.concat([Buffer.from('VITRSEG1', 'ascii'), count, ...batch]);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(crc32(body));
    await fs.writeFile(path.join(colDir(), 'segment-1.bin'), Buffer.concat([body, trailer]));
    await fs.writeFile(path.join(colDir(), 'wal-1.log'), Buffer.alloc(0));
    await withStore(async (s) => {
      expect(await allIds(s)).toEqual(sortedIds(data.slice(0, 100)));
      expect(s.damage()).toEqual([]);
    });
    expect((await fs.readdir(colDir())).sort()).toEqual(['segment-2.bin', 'wal-2.log']);
    expect((await fs.readFile(path.join(colDir(), 'segment-2.bin'))).subarray(0, 8).toString()).toBe(
      'VITRSEG2',
    );
  });
});

describe('catalog (catalog.json and catalog.json.bak)', () => {
  async function setUp(): Promise<void> {
    await withStore(async (s) => {
      await s.ensureCollection(shape);
      await s.upsert('items', data.slice(0, 20).map(toInput));
      await s.switchAlias('live', 'items');
    });
  }

  async function opensIntact(expectedDamage: string): Promise<void> {
    await withStore(async (s) => {
      expect(await s.resolveAlias('live')).toBe('items');
      expect(await s.count('live')).toBe(20);
      expect(s.damage()).toEqual([
        expect.objectContaining({ kind: 'catalog', reason: 'corrupt', file: expectedDamage }),
      ]);
    });
    expect(await copies()).toEqual([expect.stringMatching(new RegExp(`^${expectedDamage}\\.corrupt-`))]);
    // Both copies were rewritten: the next open finds nothing wrong.
    await withStore((s) => Promise.resolve(expect(s.damage()).toEqual([])));
  }

  it('uses the backup when a byte of catalog.json is flipped', async () => {
    await setUp();
    const file = path.join(dir, 'catalog.json');
    const text = await fs.readFile(file, 'utf8');
    // Inside the alias target: still valid JSON, only the checksum tells.
    await flip(file, text.lastIndexOf('"items"') + 2);
    await opensIntact('catalog.json');
  });

  it('uses the backup when catalog.json is cut short', async () => {
    await setUp();
    const file = path.join(dir, 'catalog.json');
    await fs.truncate(file, Math.floor((await fs.stat(file)).size / 2));
    await opensIntact('catalog.json');
  });

  it('repairs a damaged backup from catalog.json', async () => {
    await setUp();
    const file = path.join(dir, 'catalog.json.bak');
    await flip(file, 30);
    await opensIntact('catalog.json.bak');
  });

  it('refuses to open, naming both files, when neither copy is intact', async () => {
    await setUp();
    await flip(path.join(dir, 'catalog.json'), 30);
    await flip(path.join(dir, 'catalog.json.bak'), 30);
    await expect(EmbeddedVectorStore.open(dir)).rejects.toThrow(/catalog\.json: .*catalog\.json\.bak: /);
    // The collection's files were not removed as if no catalog listed them.
    expect(await fs.readdir(colDir())).toContain('wal-0.log');
  });

  it('reads a catalog written before it had a checksum', async () => {
    await setUp();
    const file = path.join(dir, 'catalog.json');
    const v2 = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(
      file,
      JSON.stringify({ version: 1, collections: v2.collections, aliases: v2.aliases }),
    );
    await fs.rm(`${file}.bak`);
    await withStore(async (s) => {
      expect(await s.resolveAlias('live')).toBe('items');
      expect(s.damage()).toEqual([]);
    });
  });
});
