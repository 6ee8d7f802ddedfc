import { DomainError } from '@vitrine/core';
import type { VectorFilter } from '../filter';
import { iterateIds } from '../iterate';
import { Prng } from '../prng';
import { searchBatch, type SearchRequest, type VectorName, type VectorStore } from '../vector-store';
import {
  BRANDS,
  cosine,
  makeDataset,
  randomUnit,
  referenceMatches,
  referenceSearch,
  toInput,
  type DatasetPoint,
} from './dataset';

/** What a contract run needs from an adapter. */
export interface ContractHarness {
  readonly store: VectorStore;
  /** Prefix for every collection and alias the suite creates (unique per run on a shared server). */
  readonly prefix: string;
  /** Called after the suite dropped what it created. */
  teardown(): Promise<void>;
}

const DIM = 32;
const N = 300;
const SCORE_TOLERANCE = 1e-4;

async function expectCode(p: Promise<unknown>, code: DomainError['code']): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(DomainError);
  await expect(p).rejects.toMatchObject({ code });
}

/**
 * The semantics every {@link VectorStore} adapter must have, as one Jest suite. Runs on a seeded dataset,
 * comparing every answer with a brute-force reference, so adapters that pass agree with each other.
 */
export function describeVectorStoreContract(name: string, factory: () => Promise<ContractHarness>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let h: ContractHarness;
    let store: VectorStore;
    let main: string;
    const data: DatasetPoint[] = makeDataset(20261126, N, DIM);
    const rng = new Prng(7);
    const queries = Array.from({ length: 8 }, () => randomUnit(rng, DIM));
    // The 12 points farthest from queries[0] become "clearance": a filter on it must still fill the page.
    const far = referenceSearch(
      data,
      'image',
      queries[0]!.map((x) => -x),
      12,
    ).map((r) => r.id);
    const dataset = data.map((p) =>
      far.includes(p.id) ? { ...p, payload: { ...p.payload, category: 'clearance' } } : p,
    );
    const byId = new Map(dataset.map((p) => [p.id, p]));

    const shape = (collection: string) => ({
      name: collection,
      dim: DIM,
      vectors: ['image', 'text'] as VectorName[],
    });

    beforeAll(async () => {
      h = await factory();
      store = h.store;
      main = `${h.prefix}main`;
      await store.ensureCollection({
        ...shape(main),
        attributeIndexes: { color: 'keyword', size: 'integer' },
      });
      await store.upsert(main, dataset.slice(0, 150).map(toInput), { wait: true });
      await store.upsert(main, dataset.slice(150).map(toInput), { wait: true });
    });

    afterAll(async () => {
      if (!h) return;
      for (const alias of Object.keys(await store.listAliases())) {
        if (alias.startsWith(h.prefix)) await store.deleteAlias(alias);
      }
      for (const c of await store.listCollections())
        if (c.startsWith(h.prefix)) await store.dropCollection(c);
      await h.teardown();
    });

    it('creates a collection once and refuses another shape under the same name', async () => {
      await expect(store.ensureCollection(shape(main))).resolves.toEqual({ created: false });
      await expectCode(store.ensureCollection({ ...shape(main), dim: DIM * 2 }), 'CONFLICT');
      expect(await store.listCollections()).toContain(main);
      expect(await store.collectionInfo(main)).toEqual({
        name: main,
        dim: DIM,
        vectors: ['image', 'text'],
        count: N,
      });
      expect(await store.collectionInfo(`${h.prefix}missing`)).toBeUndefined();
    });

    it('reads points back by id in the order asked, vectors only when asked', async () => {
      const [a, b] = [dataset[3]!, dataset.find((p) => !p.vectors.text)!];
      const unknown = '00000000-0000-4000-8000-000000000000';
      const plain = await store.get(main, [b.id, unknown, a.id.toUpperCase()]);
      expect(plain.map((p) => p.id)).toEqual([b.id, a.id]);
      expect(plain[1]!.payload).toEqual(a.payload);
      expect(plain[0]!.vectors).toBeUndefined();
      const [withVectors] = await store.get(main, [b.id], { withVectors: true });
      expect(withVectors!.vectors?.text).toBeUndefined();
      const image = withVectors!.vectors?.image;
      expect(image).toBeInstanceOf(Float32Array);
      expect(cosine(image!, b.vectors.image!)).toBeCloseTo(1, 5);
      const maxDiff = Math.max(...Array.from(image!, (x, i) => Math.abs(x - b.vectors.image![i]!)));
      expect(maxDiff).toBeLessThan(1e-5);
    });

    it('scores hits by cosine similarity, best first', async () => {
      const p = dataset[10]!;
      const self = p.vectors.image!;
      // A scaled copy of a stored vector: cosine ignores length, so the point itself scores 1.
      const hits = await store.search(main, {
        vector: 'image',
        query: Array.from(self, (x) => x * 3),
        limit: 5,
      });
      expect(hits[0]!.id).toBe(p.id);
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      for (const hit of hits) {
        expect(hit.score).toBeCloseTo(cosine(self, byId.get(hit.id)!.vectors.image!), 4);
        expect(hit.payload).toEqual(byId.get(hit.id)!.payload);
      }
      const scores = hits.map((x) => x.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
    });

    it.each(['image', 'text'] as const)('finds the exact top-10 on the %s vector', async (vector) => {
      for (const q of queries) {
        const expected = referenceSearch(dataset, vector, q, 10);
        const hits = await store.search(main, { vector, query: q, limit: 10 });
        expect(hits.map((x) => x.id)).toEqual(expected.map((x) => x.id));
        hits.forEach((hit, i) =>
          expect(Math.abs(hit.score - expected[i]!.score)).toBeLessThan(SCORE_TOLERANCE),
        );
      }
    });

    it('never returns points that lack the searched vector', async () => {
      const withoutImage = new Set(dataset.filter((p) => !p.vectors.image).map((p) => p.id));
      expect(withoutImage.size).toBeGreaterThan(0);
      const hits = await store.search(main, { vector: 'image', query: queries[1]!, limit: 1000 });
      expect(hits).toHaveLength(N - withoutImage.size);
      expect(hits.some((x) => withoutImage.has(x.id))).toBe(false);
    });

    it('filters inside the search: a page fills even when every match ranks last', async () => {
      const q = queries[0]!;
      const unfiltered = await store.search(main, { vector: 'image', query: q, limit: 100 });
      expect(unfiltered.some((x) => far.includes(x.id))).toBe(false);
      const hits = await store.search(main, {
        vector: 'image',
        query: q,
        limit: 10,
        filter: { category: 'clearance' },
      });
      expect(hits).toHaveLength(10);
      expect(hits.map((x) => x.id)).toEqual(
        referenceSearch(dataset, 'image', q, 10, { category: 'clearance' }).map((x) => x.id),
      );
    });

    const filters: [string, VectorFilter][] = [
      ['equality', { brand: BRANDS[2] }],
      ['in-set', { category: { in: ['shoes', 'hats'] } }],
      ['price range', { price: { gte: 100, lte: 250.5 } }],
      ['open range', { price: { gt: 400 } }],
      ['exact price', { price: dataset[5]!.payload.price! }],
      ['boolean', { inStock: false }],
      ['attribute equality', { attributes: { color: 'red' } }],
      ['numeric attribute in-set', { attributes: { size: { in: [36, 40, 44] } } }],
      ['numeric attribute range', { attributes: { size: { gte: 42 } } }],
      ['boolean attribute', { attributes: { vegan: true } }],
      ['free field', { fields: { sku: { in: ['SKU-00001', 'SKU-00002', 'SKU-00150'] } } }],
      ['excluded ids', { excludeIds: dataset.slice(0, 40).map((p) => p.id) }],
      [
        'everything at once',
        {
          category: { in: ['shoes', 'bags', 'toys'] },
          brand: { in: [...BRANDS.slice(0, 6)] },
          price: { lte: 400 },
          currency: 'EUR',
          inStock: true,
          attributes: { vegan: false },
          excludeIds: [dataset[0]!.id],
        },
      ],
    ];

    it.each(filters)('applies a %s filter to search and count like the reference', async (_, filter) => {
      const expectedCount = dataset.filter((p) => referenceMatches(p, filter)).length;
      expect(expectedCount).toBeGreaterThan(0);
      expect(await store.count(main, filter)).toBe(expectedCount);
      for (const vector of ['image', 'text'] as const) {
        const hits = await store.search(main, { vector, query: queries[2]!, limit: 10, filter });
        expect(hits.map((x) => x.id)).toEqual(
          referenceSearch(dataset, vector, queries[2]!, 10, filter).map((x) => x.id),
        );
      }
    });

    it('treats values by type and an empty in-set as matching nothing', async () => {
      expect(await store.count(main, { attributes: { size: '40' } })).toBe(0);
      expect(await store.count(main, { category: { in: [] } })).toBe(0);
      expect(
        await store.search(main, {
          vector: 'image',
          query: queries[0]!,
          limit: 5,
          filter: { brand: { in: [] } },
        }),
      ).toEqual([]);
      expect(await store.count(main, { fields: { nothere: 'x' } })).toBe(0);
    });

    it('pages through one ranking with offset', async () => {
      const q = queries[3]!;
      const filter: VectorFilter = { inStock: true };
      const first = await store.search(main, { vector: 'text', query: q, limit: 7, filter });
      const second = await store.search(main, { vector: 'text', query: q, limit: 7, offset: 7, filter });
      expect([...first, ...second].map((x) => x.id)).toEqual(
        referenceSearch(dataset, 'text', q, 14, filter).map((x) => x.id),
      );
    });

    it('returns stored vectors with hits when asked', async () => {
      const [hit] = await store.search(main, {
        vector: 'image',
        query: queries[4]!,
        limit: 1,
        withVectors: true,
      });
      const stored = byId.get(hit!.id)!;
      expect(cosine(hit!.vectors!.image!, stored.vectors.image!)).toBeCloseTo(1, 5);
      const [bare] = await store.search(main, { vector: 'image', query: queries[4]!, limit: 1 });
      expect(bare!.vectors).toBeUndefined();
    });

    it('returns only the named vectors asked for, and the payload fields asked for', async () => {
      const request = { vector: 'image' as const, query: queries[5]!, limit: 20 };
      const hits = await store.search(main, {
        ...request,
        vectorNames: ['text'],
        payloadFields: ['inStock'],
      });
      expect(hits.map((x) => x.id)).toEqual(
        referenceSearch(dataset, 'image', queries[5]!, 20).map((x) => x.id),
      );
      for (const hit of hits) {
        const stored = byId.get(hit.id)!;
        expect(hit.vectors?.image).toBeUndefined();
        if (stored.vectors.text) expect(cosine(hit.vectors!.text!, stored.vectors.text)).toBeCloseTo(1, 5);
        else expect(hit.vectors?.text).toBeUndefined();
        expect(hit.payload.inStock).toBe(stored.payload.inStock);
      }
      const ids = hits.slice(0, 5).map((x) => x.id);
      const points = await store.get(main, ids, {
        vectorNames: ['image'],
        payloadFields: ['attributes.color'],
      });
      expect(points.map((p) => p.id)).toEqual(ids);
      for (const point of points) {
        const stored = byId.get(point.id)!;
        expect(point.vectors?.text).toBeUndefined();
        expect(point.vectors?.image !== undefined).toBe(stored.vectors.image !== undefined);
        expect(point.payload.attributes?.color).toEqual(stored.payload.attributes?.color);
      }
    });

    it('answers a batch of searches in the order asked, each as it would alone', async () => {
      const requests: SearchRequest[] = [
        { vector: 'image', query: queries[6]!, limit: 5 },
        { vector: 'text', query: queries[7]!, limit: 3, filter: { category: { in: [] } } },
        { vector: 'text', query: queries[6]!, limit: 4, offset: 2, filter: { brand: 'acme' } },
      ];
      const batch = await searchBatch(store, main, requests);
      const alone = await Promise.all(requests.map((r) => store.search(main, r)));
      expect(batch).toHaveLength(3);
      expect(batch[1]).toEqual([]);
      batch.forEach((hits, i) => {
        expect(hits.map((x) => x.id)).toEqual(alone[i]!.map((x) => x.id));
        hits.forEach((x, j) => expect(x.score).toBeCloseTo(alone[i]![j]!.score, 5));
      });
      expect(await searchBatch(store, main, [])).toEqual([]);
    });

    it('scrolls every id exactly once, in ascending order, with and without a filter', async () => {
      const all: string[] = [];
      for await (const id of iterateIds(store, main, { limit: 64 })) all.push(id);
      expect(all).toEqual(dataset.map((p) => p.id).sort());
      const filter: VectorFilter = { category: 'bags', inStock: true };
      const some: string[] = [];
      for await (const id of iterateIds(store, main, { limit: 5, filter })) some.push(id);
      expect(some).toEqual(
        dataset
          .filter((p) => referenceMatches(p, filter))
          .map((p) => p.id)
          .sort(),
      );
      const page = await store.scrollIds(main, { limit: 10 });
      expect(page.ids).toHaveLength(10);
      expect(page.next).toBe(all[10]);
    });

    it('replaces whole points on upsert and forgets deleted ones everywhere', async () => {
      const c = `${h.prefix}writes`;
      await store.ensureCollection(shape(c));
      const pts = dataset.slice(0, 20);
      await store.upsert(c, pts.map(toInput));
      const target = pts[0]!;
      await store.upsert(c, [
        {
          id: target.id,
          vectors: { image: target.vectors.text ?? target.vectors.image! },
          payload: { sku: 'new' },
        },
      ]);
      const [replaced] = await store.get(c, [target.id], { withVectors: true });
      expect(replaced!.payload).toEqual({ sku: 'new' });
      expect(replaced!.vectors?.text).toBeUndefined();
      const gone = pts.slice(1, 6).map((p) => p.id);
      await store.delete(c, [...gone, '00000000-0000-4000-8000-000000000001']);
      expect(await store.get(c, gone)).toEqual([]);
      expect(await store.count(c)).toBe(15);
      const hits = await store.search(c, {
        vector: 'image',
        query: pts[2]!.vectors.image ?? queries[0]!,
        limit: 100,
      });
      expect(hits.some((x) => gone.includes(x.id))).toBe(false);
      const ids: string[] = [];
      for await (const id of iterateIds(store, c)) ids.push(id);
      expect(ids.some((id) => gone.includes(id))).toBe(false);
    });

    it('switches an alias atomically between collections and drops aliases with their collection', async () => {
      const [a, b, alias] = [`${h.prefix}alias-a`, `${h.prefix}alias-b`, `${h.prefix}live`];
      await store.ensureCollection(shape(a));
      await store.ensureCollection(shape(b));
      await store.upsert(a, dataset.slice(0, 10).map(toInput));
      await store.upsert(b, dataset.slice(10, 30).map(toInput));
      await store.switchAlias(alias, a);
      expect(await store.resolveAlias(alias)).toBe(a);
      expect(await store.count(alias)).toBe(10);
      await store.switchAlias(alias, b);
      expect(await store.resolveAlias(alias)).toBe(b);
      expect((await store.listAliases())[alias]).toBe(b);
      expect(await store.count(alias)).toBe(20);
      const q = dataset[12]!.vectors.image ?? queries[0]!;
      const viaAlias = await store.search(alias, { vector: 'image', query: q, limit: 5 });
      expect(viaAlias.map((x) => x.id)).toEqual(
        referenceSearch(dataset.slice(10, 30), 'image', q, 5).map((x) => x.id),
      );
      expect(await store.dropCollection(b)).toBe(true);
      expect(await store.resolveAlias(alias)).toBeUndefined();
      expect(await store.dropCollection(b)).toBe(false);
      await store.switchAlias(alias, a);
      expect(await store.deleteAlias(alias)).toBe(true);
      expect(await store.deleteAlias(alias)).toBe(false);
      expect(await store.count(a)).toBe(10);
      await expectCode(store.switchAlias(alias, `${h.prefix}nope`), 'NOT_FOUND');
    });

    it('switches an alias only to a collection that holds the points expected, else keeps the old target', async () => {
      const [a, b, alias] = [`${h.prefix}min-a`, `${h.prefix}min-b`, `${h.prefix}min-live`];
      await store.ensureCollection(shape(a));
      await store.ensureCollection(shape(b));
      await store.upsert(a, dataset.slice(0, 10).map(toInput));
      await store.upsert(b, dataset.slice(10, 19).map(toInput));
      await store.switchAlias(alias, a, { minPoints: 10 });
      const refused = store.switchAlias(alias, b, { minPoints: 10 });
      await expectCode(refused, 'UNAVAILABLE');
      await expect(refused).rejects.toThrow(/9 points of the 10 expected/);
      expect(await store.resolveAlias(alias)).toBe(a);
      await store.upsert(b, dataset.slice(19, 20).map(toInput));
      await store.switchAlias(alias, b, { minPoints: 10 });
      expect(await store.resolveAlias(alias)).toBe(b);
    });

    it('rejects bad input with domain errors', async () => {
      const p = dataset[0]!;
      await expectCode(
        store.upsert(main, [{ ...toInput(p), vectors: { image: [1, 2, 3] } }]),
        'VALIDATION_FAILED',
      );
      await expectCode(store.upsert(main, [{ ...toInput(p), id: 'product-1' }]), 'VALIDATION_FAILED');
      await expectCode(
        store.search(main, { vector: 'image', query: [1, 2, 3], limit: 3 }),
        'VALIDATION_FAILED',
      );
      await expectCode(
        store.search(main, { vector: 'image', query: queries[0]!, limit: 0 }),
        'VALIDATION_FAILED',
      );
      await expectCode(
        store.search(main, {
          vector: 'image',
          query: queries[0]!,
          limit: 3,
          filter: { colour: 'red' } as VectorFilter,
        }),
        'VALIDATION_FAILED',
      );
      await expectCode(
        store.search(`${h.prefix}missing`, { vector: 'image', query: queries[0]!, limit: 3 }),
        'NOT_FOUND',
      );
      await expectCode(store.upsert(`${h.prefix}missing`, [toInput(p)]), 'NOT_FOUND');
      expect(await store.count(main)).toBe(N);
    });
  });
}
