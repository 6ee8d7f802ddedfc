import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prng } from '../../prng';
import { randomUnit } from '../../testing/dataset';
import type { CheckedPoint } from '../../validation';
import { encodeRecord, readWal, WalStream, WalWriter, type WalRecord } from './wal';

const DIM = 8;
const NAMES = ['image', 'text'] as const;
const rng = new Prng(11);
const point = (i: number): CheckedPoint => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  vectors: { image: randomUnit(rng, DIM), ...(i % 2 ? { text: randomUnit(rng, DIM) } : {}) },
  payload: { price: i },
});
const records: WalRecord[] = [
  { op: 'upsert', points: [0, 1, 2, 3].map(point) },
  { op: 'delete', ids: [point(1).id] },
  { op: 'upsert', points: [4, 5, 1].map(point) },
];

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-walstream-'));
  file = path.join(dir, 'wal-0.log');
  const w = await WalWriter.open(file, 0);
  for (const r of records) await w.append(encodeRecord(r, NAMES), false);
  await w.close();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const plain = (rs: readonly WalRecord[]) =>
  rs.map((r) =>
    r.op === 'delete'
      ? r
      : {
          op: r.op,
          points: r.points.map((p) => [
            p.id,
            p.payload,
            Array.from(p.vectors.image!),
            p.vectors.text && Array.from(p.vectors.text),
          ]),
        },
  );

async function replay(): Promise<{ count: number | undefined; size: number | undefined; got: WalRecord[] }> {
  const s = await WalStream.open(file);
  const got: WalRecord[] = [];
  try {
    const count = await s!.count();
    const size = await s!.replay(DIM, NAMES, (r) => got.push(r));
    return { count, size, got };
  } finally {
    await s!.close();
  }
}

describe('WalStream', () => {
  it('counts the upserted points and replays the records readWal reads, in order', async () => {
    const { count, size, got } = await replay();
    expect(count).toBe(7);
    expect(size).toBe((await fs.stat(file)).size);
    expect(plain(got)).toEqual(plain((await readWal(file, DIM, NAMES)).records));
    expect(plain(got)).toEqual(plain(records));
  });

  it('an absent log is empty; a damaged or cut one is left to readWal', async () => {
    expect(await WalStream.open(path.join(dir, 'none.log'))).toBeUndefined();
    const buf = await fs.readFile(file);
    const flipped = Buffer.from(buf);
    flipped[buf.length - 5] = (flipped[buf.length - 5] as number) ^ 0xff; // the last record's body
    await fs.writeFile(file, flipped);
    const damaged = await replay();
    expect(damaged.size).toBeUndefined();
    expect(plain(damaged.got)).toEqual(plain(records.slice(0, 2))); // what it handed over before the damage
    expect((await readWal(file, DIM, NAMES)).records).toHaveLength(2);
    await fs.writeFile(file, buf.subarray(0, buf.length - 3));
    expect((await replay()).count).toBeUndefined();
  });
});
