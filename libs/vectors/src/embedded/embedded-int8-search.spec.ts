import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VectorFilter } from '../filter';
import { Prng } from '../prng';
import { makeDataset, randomUnit, referenceMatches, referenceSearch, toInput } from '../testing/dataset';
import { EmbeddedVectorStore, type EmbeddedOptions } from './embedded-store';

// Random (unclustered) vectors, the hard case for approximate search, and few enough rows for brute force to
// answer only below 400 eligible rows: every other search goes through the int8 scan and its widening.
const DIM = 32;
const data = makeDataset(41, 6000, DIM);
const options: EmbeddedOptions = { tuning: { exactBudget: 400 * DIM } };
const queries = Array.from({ length: 12 }, (_, i) => randomUnit(new Prng(500 + i), DIM));

const FILTERS: (VectorFilter | undefined)[] = [
  undefined,
  { category: 'shoes' }, // a fifth
  { brand: 'acme', inStock: true }, // about 9 %
  { attributes: { color: 'red' }, price: { lt: 100 } }, // about 4 %
  { brand: { in: ['hooli', 'stark'] }, attributes: { vegan: true } }, // about 7 %
  { category: 'toys', brand: 'wonka', attributes: { color: 'blue' } }, // about 0.5 %: brute force
];

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-int8-'));
  const s = await EmbeddedVectorStore.open(dir, options);
  await s.ensureCollection({ name: 'items', dim: DIM, vectors: ['image', 'text'] });
  await s.upsert('items', data.map(toInput));
  await s.close();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function pages(s: EmbeddedVectorStore, limit: number, offset = 0) {
  const out: { got: string[]; want: string[]; matching: number }[] = [];
  for (const filter of FILTERS) {
    for (const vector of ['image', 'text'] as const) {
      for (const query of queries) {
        const hits = await s.search('items', { vector, query, limit, offset, filter });
        for (const h of hits) {
          expect(
            referenceMatches(
              data.find((p) => p.id === h.id)!,
              filter,
            ),
          ).toBe(true);
        }
        out.push({
          got: hits.map((h) => h.id),
          want: referenceSearch(data, vector, query, limit, filter, offset).map((h) => h.id),
          matching: data.filter((p) => p.vectors[vector] && referenceMatches(p, filter)).length,
        });
      }
    }
  }
  return out;
}

function recall(results: { got: string[]; want: string[] }[]): number {
  let found = 0;
  let total = 0;
  for (const { got, want } of results) {
    const truth = new Set(want);
    found += got.filter((id) => truth.has(id)).length;
    total += want.length;
  }
  return found / total;
}

describe('EmbeddedVectorStore int8 scan', () => {
  it('returns full pages under filters of every selectivity, with recall@10 at 0.99 on random vectors', async () => {
    const s = await EmbeddedVectorStore.open(dir, options);
    try {
      const results = await pages(s, 10);
      for (const r of results) expect(r.got.length).toBe(Math.min(10, r.matching));
      expect(recall(results)).toBeGreaterThanOrEqual(0.99);
      // Deep pages need more candidates than the first scan takes: the scan widens until they are full.
      const deep = await pages(s, 20, 60);
      for (const r of deep) expect(r.got.length).toBe(Math.max(0, Math.min(20, r.matching - 60)));
      expect(recall(deep)).toBeGreaterThanOrEqual(0.99);
    } finally {
      await s.close();
    }
  });

  it('answers the same after updates, deletes and a reopen (codes are rebuilt from the stored vectors)', async () => {
    const s = await EmbeddedVectorStore.open(dir, options);
    const rng = new Prng(77);
    const updated = data.slice(0, 300).map((p) => ({ ...p, vectors: { image: randomUnit(rng, DIM) } }));
    const deleted = data.slice(300, 600).map((p) => p.id);
    const after = [...updated, ...data.slice(600)];
    let before: string[][];
    try {
      await s.upsert('items', updated.map(toInput));
      await s.delete('items', deleted);
      before = [];
      for (const query of queries) {
        const hits = await s.search('items', {
          vector: 'image',
          query,
          limit: 10,
          filter: { category: 'bags' },
        });
        before.push(hits.map((h) => h.id));
        const want = referenceSearch(after, 'image', query, 10, { category: 'bags' }).map((h) => h.id);
        expect(hits.map((h) => h.id)).toEqual(want);
      }
    } finally {
      await s.close();
    }
    const reopened = await EmbeddedVectorStore.open(dir, options);
    try {
      for (const [i, query] of queries.entries()) {
        const hits = await reopened.search('items', {
          vector: 'image',
          query,
          limit: 10,
          filter: { category: 'bags' },
        });
        expect(hits.map((h) => h.id)).toEqual(before[i]);
      }
    } finally {
      await reopened.close();
    }
  });
});
