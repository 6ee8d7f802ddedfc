import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VectorFilter } from '../filter';
import { Prng } from '../prng';
import {
  cosine,
  makeDataset,
  randomUnit,
  referenceMatches,
  referenceSearch,
  toInput,
} from '../testing/dataset';
import { EmbeddedVectorStore, type EmbeddedOptions } from './embedded-store';
import { FileRows } from './index/float-rows';
import { Int8Codes } from './index/int8-codes';

// The large-collection layout on a small one: float32 rows in a file past 1 000 rows (the int8 codes stay in
// memory), brute force only below 400 eligible rows. Random vectors, the hard case for the int8 estimate.
const DIM = 32;
const N = 6000;
const data = makeDataset(43, N, DIM);
const inFile: EmbeddedOptions = { tuning: { exactBudget: 400 * DIM, floatMemoryBytes: 1000 * DIM * 4 } };
const inMemory: EmbeddedOptions = { tuning: { exactBudget: 400 * DIM } };
const queries = Array.from({ length: 8 }, (_, i) => randomUnit(new Prng(900 + i), DIM));

let dir: string;
let memDir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-f32-'));
  memDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-f32-mem-'));
  for (const [d, options] of [
    [dir, inFile],
    [memDir, inMemory],
  ] as const) {
    const s = await EmbeddedVectorStore.open(d, options);
    await s.ensureCollection({ name: 'items', dim: DIM, vectors: ['image', 'text'] });
    await s.upsert('items', data.map(toInput));
    await s.close();
  }
});
afterAll(async () => {
  jest.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(memDir, { recursive: true, force: true });
});

interface Plan {
  /** Scans of the eligible rows' float32 rows (brute force). */
  exact: number;
  /** int8 scans of the whole column. */
  int8: number;
  /** int8 scans of the eligible rows' codes only. */
  among: number;
}

/** Which plans a search took. */
async function plans(run: () => Promise<void>): Promise<Plan> {
  const spies = [
    jest.spyOn(FileRows.prototype, 'scan'),
    jest.spyOn(Int8Codes.prototype, 'top'),
    jest.spyOn(Int8Codes.prototype, 'topAmong'),
  ] as const;
  try {
    await run();
    return {
      exact: spies[0].mock.calls.length,
      int8: spies[1].mock.calls.length,
      among: spies[2].mock.calls.length,
    };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('EmbeddedVectorStore with float32 rows in a file', () => {
  it('keeps the rows in <vector>.f32 and answers exactly as with the rows in memory, on every plan', async () => {
    const files = await fs.readdir(path.join(dir, 'collections', 'items'));
    expect(files).toEqual(expect.arrayContaining(['image.f32', 'text.f32']));
    const s = await EmbeddedVectorStore.open(dir, inFile);
    const m = await EmbeddedVectorStore.open(memDir, inMemory);
    try {
      const cases: [string, VectorFilter | undefined, number, number, Plan][] = [
        // ~0.5 % pass, fewer than the 64 candidates a search rescores: brute force over their rows (one read each).
        [
          'small filtered set',
          { category: 'toys', brand: 'wonka', attributes: { color: 'blue' } },
          10,
          0,
          { exact: 1, int8: 0, among: 0 },
        ],
        // ~4 % pass, under the exact budget but more than 64: the int8 codes of just those rows pick 64 to read.
        [
          'mid-size filtered set',
          { attributes: { color: 'red' }, price: { lt: 100 } },
          10,
          0,
          { exact: 0, int8: 0, among: 1 },
        ],
        // Unfiltered: one int8 scan, its 64 candidates rescored from the file.
        ['unfiltered', undefined, 10, 0, { exact: 0, int8: 1, among: 0 }],
        // ~9 % pass: the scan asks for 64 / 0.09 rows and finds enough eligible ones among them.
        ['filtered', { brand: 'acme', inStock: true }, 10, 0, { exact: 0, int8: 1, among: 0 }],
        // A deep page of a 9 % filter: widening would cover most of the column, so the eligible rows are scored
        // exactly (the chunked read of the whole file).
        ['deep filtered page', { brand: 'acme', inStock: true }, 100, 200, { exact: 1, int8: 0, among: 0 }],
      ];
      let found = 0;
      let total = 0;
      for (const [name, filter, limit, offset, plan] of cases) {
        for (const query of queries) {
          let hits: Awaited<ReturnType<typeof s.search>> = [];
          const used = await plans(async () => {
            hits = await s.search('items', {
              vector: 'image',
              query,
              limit,
              offset,
              filter,
              withVectors: true,
            });
          });
          expect({ name, ...used }).toEqual({ name, ...plan });
          const fromMemory = await m.search('items', {
            vector: 'image',
            query,
            limit,
            offset,
            filter,
            withVectors: true,
          });
          if (name === 'mid-size filtered set') {
            // The rows in memory are brute-forced here: the same hits up to the int8 estimate's rare miss.
            const truth = new Set(fromMemory.map((h) => h.id));
            found += hits.filter((h) => truth.has(h.id)).length;
            total += fromMemory.length;
          } else {
            expect(hits.map((h) => [h.id, h.score])).toEqual(fromMemory.map((h) => [h.id, h.score]));
          }
          const matching = data.filter((p) => referenceMatches(p, filter)).length;
          expect(hits.length).toBe(Math.max(0, Math.min(limit, matching - offset)));
          for (const h of hits) {
            const p = data.find((x) => x.id === h.id)!;
            expect(referenceMatches(p, filter)).toBe(true);
            expect(Array.from(h.vectors!.image!)).toEqual(Array.from(p.vectors.image!));
            expect(h.score).toBeCloseTo(cosine(query, p.vectors.image!), 5);
          }
          if (name === 'small filtered set' || name === 'deep filtered page') {
            // Brute force is exact.
            const want = referenceSearch(data, 'image', query, limit, filter, offset).map((h) => h.id);
            expect(hits.map((h) => h.id)).toEqual(want);
          }
        }
      }
      expect(found / total).toBeGreaterThanOrEqual(0.98);
    } finally {
      await s.close();
      await m.close();
    }
  });

  it('rebuilds the file from the log and snapshot at every load: updates, deletes and a damaged file survive a reopen', async () => {
    const rng = new Prng(5);
    const updated = data.slice(0, 400).map((p) => ({ ...p, vectors: { image: randomUnit(rng, DIM) } }));
    const deleted = data.slice(400, 800).map((p) => p.id);
    const after = [...updated, ...data.slice(800)];
    const filter: VectorFilter = { category: 'bags', inStock: true }; // ~10 %: over the budget, scanned by int8
    const small: VectorFilter = { category: 'toys', brand: 'wonka', attributes: { color: 'blue' } }; // ~0.5 %: brute force
    const s = await EmbeddedVectorStore.open(dir, inFile);
    try {
      await s.upsert('items', updated.map(toInput));
      await s.delete('items', deleted);
      for (const query of queries) {
        const hits = await s.search('items', { vector: 'image', query, limit: 10, filter: small });
        expect(hits.map((h) => h.id)).toEqual(
          referenceSearch(after, 'image', query, 10, small).map((h) => h.id),
        );
      }
    } finally {
      await s.close();
    }
    // The file is not part of what survives a crash: garbage in it must not matter.
    await fs.writeFile(path.join(dir, 'collections', 'items', 'image.f32'), Buffer.alloc(1234, 0x7f));
    const reopened = await EmbeddedVectorStore.open(dir, inFile);
    try {
      expect(await reopened.count('items')).toBe(after.length);
      let found = 0;
      for (const query of queries) {
        const exact = await reopened.search('items', {
          vector: 'image',
          query,
          limit: 10,
          filter,
          exact: true,
        });
        expect(exact.map((h) => h.id)).toEqual(
          referenceSearch(after, 'image', query, 10, filter).map((h) => h.id),
        );
        const hits = await reopened.search('items', { vector: 'image', query, limit: 10, filter });
        expect(hits).toHaveLength(10);
        const truth = new Set(exact.map((h) => h.id));
        found += hits.filter((h) => truth.has(h.id)).length;
        const brute = await reopened.search('items', { vector: 'image', query, limit: 10, filter: small });
        expect(brute.map((h) => h.id)).toEqual(
          referenceSearch(after, 'image', query, 10, small).map((h) => h.id),
        );
      }
      expect(found / (10 * queries.length)).toBeGreaterThanOrEqual(0.95);
    } finally {
      await reopened.close();
    }
  });
});
