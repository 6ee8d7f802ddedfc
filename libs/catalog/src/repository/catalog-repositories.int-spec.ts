import { ValidationError } from '@vitrine/core';
import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { productContentHash } from '../domain/content-hash';
import { productAsInput, type ProductInput } from '../domain/product';

// One suite, every backend: PGlite must behave as PostgreSQL does for everything the catalog relies on.
describe.each(CATALOG_BACKENDS)('catalog repositories on %s', (backend) => {
  let cat: TestCatalog;
  beforeAll(async () => {
    cat = await openTestCatalog(backend);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());
  beforeEach(() => cat.reset());

  const one = (overrides: Partial<ProductInput> = {}): ProductInput => ({
    ...syntheticProducts(1)[0]!,
    ...overrides,
  });

  describe('schema', () => {
    it('matches the entities after the migrations (nothing left for TypeORM to change)', async () => {
      const pending = await cat.db.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    });

    it('has recorded the migrations, so a second run applies nothing', async () => {
      expect(await cat.db.dataSource.showMigrations()).toBe(false);
    });
  });

  describe('ProductRepository', () => {
    it('stores every field and reads it back as plain domain values', async () => {
      const input = one({
        price: { amount: '12345678901234.5678', currency: 'EUR' },
        attributes: { colour: 'red', dims: { w: 10, h: 2.5 }, tags: ['a', 'b'], fragile: false, note: null },
        images: ['https://cdn.example.com/a.jpg', 'file:///srv/catalog/b.png'],
      });
      const result = await cat.products.upsertMany([input]);
      expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 0 });

      const stored = await cat.products.getBySku(input.sku);
      expect(stored).toMatchObject({
        id: result.changed[0]!.id,
        sku: input.sku,
        title: input.title,
        description: input.description,
        brand: input.brand,
        category: input.category,
        price: { amount: '12345678901234.5678', currency: 'EUR' },
        inStock: input.inStock,
        attributes: input.attributes,
        contentHash: productContentHash(input),
      });
      expect(stored!.images.map((i) => [i.position, i.uri, i.status, i.sha256])).toEqual([
        [0, 'https://cdn.example.com/a.jpg', 'pending', null],
        [1, 'file:///srv/catalog/b.png', 'pending', null],
      ]);
      expect(stored!.createdAt).toBeInstanceOf(Date);
      expect(stored!.updatedAt.getTime()).toBe(stored!.createdAt.getTime());
      expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    });

    it('writes nothing when the same products come again', async () => {
      const inputs = syntheticProducts(50);
      await cat.products.upsertMany(inputs);
      const before = await cat.products.getBySku(inputs[7]!.sku);

      const again = await cat.products.upsertMany(syntheticProducts(50));

      expect(again).toEqual({ created: 0, updated: 0, unchanged: 50, changed: [] });
      const after = await cat.products.getBySku(inputs[7]!.sku);
      expect(after!.updatedAt).toEqual(before!.updatedAt);
      expect(await cat.products.count()).toBe(50);
    });

    it('takes a stored product back as input unchanged (productAsInput), and with changes as an update', async () => {
      const input = one({ images: ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.jpg'] });
      await cat.products.upsertMany([input]);
      const stored = (await cat.products.getBySku(input.sku))!;
      expect(productAsInput(stored)).toEqual(input);
      expect(await cat.products.upsertMany([productAsInput(stored)])).toMatchObject({ unchanged: 1 });
      const renamed = await cat.products.upsertMany([productAsInput(stored, { title: 'Renamed' })]);
      expect(renamed).toMatchObject({ updated: 1 });
      expect((await cat.products.getBySku(input.sku))!.title).toBe('Renamed');
    });

    it('treats an equal amount written differently as unchanged', async () => {
      await cat.products.upsertMany([one({ price: { amount: '19.9', currency: 'USD' } })]);
      const again = await cat.products.upsertMany([one({ price: { amount: '19.90', currency: 'USD' } })]);
      expect(again.unchanged).toBe(1);
    });

    it('updates changed products only and reports their ids with the new content hash', async () => {
      const inputs = syntheticProducts(3);
      const first = await cat.products.upsertMany(inputs);
      const original = await cat.products.getBySku(inputs[1]!.sku);

      const edited = { ...inputs[1]!, title: 'A brand new title' };
      const result = await cat.products.upsertMany([inputs[0]!, edited, inputs[2]!]);

      expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
      expect(result.changed).toEqual([
        { id: original!.id, sku: edited.sku, contentHash: productContentHash(edited), change: 'updated' },
      ]);
      const stored = await cat.products.getBySku(edited.sku);
      expect(stored!.title).toBe('A brand new title');
      expect(stored!.contentHash).not.toBe(original!.contentHash);
      expect(stored!.createdAt).toEqual(original!.createdAt);
      expect(stored!.updatedAt.getTime()).toBeGreaterThan(original!.updatedAt.getTime());
      expect(first.changed.map((c) => c.change)).toEqual(['created', 'created', 'created']);
    });

    it('counts a price or stock change as a change that keeps the content hash', async () => {
      const input = one();
      await cat.products.upsertMany([input]);
      const result = await cat.products.upsertMany([
        { ...input, price: { amount: '1000', currency: 'JPY' }, inStock: !input.inStock },
      ]);
      expect(result.updated).toBe(1);
      expect(result.changed[0]!.contentHash).toBe(productContentHash(input));
      expect((await cat.products.getBySku(input.sku))!.price).toEqual({ amount: '1000', currency: 'JPY' });
    });

    it('keeps what is known about an image whose URI stayed, resets a replaced one, drops removed ones', async () => {
      const input = one({ images: ['https://x.test/0.jpg', 'https://x.test/1.jpg', 'https://x.test/2.jpg'] });
      await cat.products.upsertMany([input]);
      const [kept, replaced] = (await cat.products.getBySku(input.sku))!.images;
      expect(await cat.products.recordImageFetch(kept!.id, kept!.uri, okFetch('a'))).toBe(true);
      expect(await cat.products.recordImageFetch(replaced!.id, replaced!.uri, okFetch('b'))).toBe(true);

      await cat.products.upsertMany([
        { ...input, images: ['https://x.test/0.jpg', 'https://x.test/new.jpg'] },
      ]);

      const images = (await cat.products.getBySku(input.sku))!.images;
      expect(images.map((i) => [i.position, i.uri, i.status, i.sha256])).toEqual([
        [0, 'https://x.test/0.jpg', 'ok', 'a'.repeat(64)],
        [1, 'https://x.test/new.jpg', 'pending', null],
      ]);
      expect(images[0]!.id).toBe(kept!.id);
    });

    it('records image fetch failures and refuses an outcome for a URI that was replaced meanwhile', async () => {
      const input = one({ images: ['https://x.test/a.jpg'] });
      await cat.products.upsertMany([input]);
      const [image] = (await cat.products.getBySku(input.sku))!.images;

      expect(await cat.products.recordImageFetch(image!.id, 'https://x.test/old.jpg', okFetch('c'))).toBe(
        false,
      );
      expect(
        await cat.products.recordImageFetch(image!.id, image!.uri, { status: 'failed', error: 'HTTP 404' }),
      ).toBe(true);
      expect((await cat.products.getBySku(input.sku))!.images[0]).toMatchObject({
        status: 'failed',
        error: 'HTTP 404',
        sha256: null,
      });
    });

    it('refuses a SKU twice in one call and writes nothing of it', async () => {
      const input = one();
      await expect(cat.products.upsertMany([input, { ...input, title: 'other' }])).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await cat.products.count()).toBe(0);
    });

    it('refuses input the columns cannot hold with a ValidationError naming the product', async () => {
      const tooLong = one({ title: 't'.repeat(501) });
      await expect(cat.products.upsertMany([one({ sku: 'OK-1' }), tooLong])).rejects.toThrow(
        new ValidationError(`product ${tooLong.sku}: title is longer than 500 characters`),
      );
      await expect(
        cat.products.upsertMany([one({ price: { amount: '-1', currency: 'EUR' } })]),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await cat.products.count()).toBe(0);
    });

    it('refuses identifiers with lone surrogates or bidi controls, and finds an NFC SKU by any spelling', async () => {
      await expect(cat.products.upsertMany([one({ sku: 'LONE-\uD800' })])).rejects.toThrow(
        /sku must not contain a lone UTF-16 surrogate/,
      );
      await expect(cat.products.upsertMany([one({ brand: 'Acme\u202E' })])).rejects.toThrow(
        /brand must not contain bidirectional control characters/,
      );
      expect(await cat.products.count()).toBe(0);
      await cat.products.upsertMany([one({ sku: 'CAF\u00C9-1' })]);
      expect((await cat.products.getBySku('CAFE\u0301-1'))?.sku).toBe('CAF\u00C9-1');
    });

    it('counts exactly in a dry run and writes nothing', async () => {
      await cat.products.upsertMany(syntheticProducts(5));
      const inputs = syntheticProducts(8);
      inputs[0] = { ...inputs[0]!, title: 'changed' };

      const result = await cat.products.upsertMany(inputs, { dryRun: true });

      expect(result).toEqual({ created: 3, updated: 1, unchanged: 4, changed: [] });
      expect(await cat.products.count()).toBe(5);
      expect((await cat.products.getBySku(inputs[0].sku))!.title).not.toBe('changed');
    });

    it('gets by ids in the order asked, skipping unknown and malformed ids', async () => {
      const { changed } = await cat.products.upsertMany(syntheticProducts(3));
      const [a, b, c] = changed.map((x) => x.id);
      const found = await cat.products.getByIds([
        c!,
        'not-a-uuid',
        a!,
        '6f1c2a4e-0000-4000-8000-000000000000',
        b!,
      ]);
      expect(found.map((p) => p.id)).toEqual([c, a, b]);
      expect(await cat.products.getById('6f1c2a4e-0000-4000-8000-000000000000')).toBeNull();
      expect(await cat.products.getBySku('NOPE')).toBeNull();
    });

    it('deletes products with their images and index state', async () => {
      const { changed } = await cat.products.upsertMany(syntheticProducts(2));
      const [gone, kept] = changed.map((x) => x.id);
      await cat.indexState.markPending('clip-a', [gone!, kept!]);

      expect(await cat.products.delete([gone!, 'not-a-uuid'])).toBe(1);

      expect(await cat.products.getById(gone!)).toBeNull();
      expect(await cat.indexState.get(gone!, 'clip-a')).toBeNull();
      const [{ n }] = await cat.db.dataSource.query<[{ n: number }]>(
        'SELECT count(*)::int AS n FROM product_images WHERE product_id = $1',
        [gone],
      );
      expect(n).toBe(0);
      expect(await cat.products.count()).toBe(1);
    });

    it('walks a catalog in keyset pages that cover every product once', async () => {
      await cat.products.upsertMany(syntheticProducts(1234));
      const seen: string[] = [];
      const sizes: number[] = [];
      for await (const page of cat.products.pages({ pageSize: 100 })) {
        sizes.push(page.length);
        for (const p of page) {
          seen.push(p.id);
          expect(p.images).toHaveLength(2);
        }
      }
      expect(sizes).toEqual([...Array<number>(12).fill(100), 34]);
      expect(new Set(seen).size).toBe(1234);
      expect([...seen].sort()).toEqual(seen);
      expect(await cat.products.count()).toBe(1234);
    });

    it('yields no page for an empty catalog', async () => {
      const pages: unknown[] = [];
      for await (const page of cat.products.pages()) pages.push(page);
      expect(pages).toEqual([]);
    });
  });

  describe('IndexStateRepository', () => {
    const MODEL = 'clip-vit-b32@1';

    it('tracks pending, indexed, failed, stale and missing per model', async () => {
      const inputs = syntheticProducts(5);
      const { changed } = await cat.products.upsertMany(inputs);
      const [p0, p1, p2, p3, p4] = changed;

      expect(await cat.indexState.markPending(MODEL, [p0!.id, p1!.id, p2!.id, p3!.id])).toBe(4);
      await cat.indexState.markIndexed(MODEL, [
        { productId: p0!.id, contentHash: p0!.contentHash },
        { productId: p1!.id, contentHash: p1!.contentHash },
      ]);
      await cat.indexState.markFailed(MODEL, [{ productId: p2!.id, reason: 'image 0: HTTP 404' }]);
      // p1 is edited after it was indexed: its vectors are stale now.
      await cat.products.upsertMany([{ ...inputs[1]!, title: 'edited' }]);

      expect(await cat.indexState.counts(MODEL)).toEqual({
        missing: 1,
        pending: 1,
        indexed: 2,
        failed: 1,
        stale: 1,
      });
      expect(await cat.indexState.counts('other-model')).toEqual({
        missing: 5,
        pending: 0,
        indexed: 0,
        failed: 0,
        stale: 0,
      });
      expect(await cat.indexState.get(p2!.id, MODEL)).toMatchObject({
        status: 'failed',
        error: 'image 0: HTTP 404',
        vectorContentHash: null,
      });
      const indexed = await cat.indexState.get(p0!.id, MODEL);
      expect(indexed).toMatchObject({ status: 'indexed', vectorContentHash: p0!.contentHash, error: null });
      expect(indexed!.indexedAt).toBeInstanceOf(Date);

      const needing = await collect(cat.indexState.needingIndex(MODEL, { pageSize: 2 }));
      expect(needing.map((n) => n.productId).sort()).toEqual([p1!.id, p2!.id, p3!.id, p4!.id].sort());
      const stale = needing.find((n) => n.productId === p1!.id);
      expect(stale).toMatchObject({ status: 'indexed', vectorContentHash: p1!.contentHash });
      expect(stale!.contentHash).not.toBe(p1!.contentHash);
      expect(needing.find((n) => n.productId === p4!.id)).toMatchObject({
        status: null,
        vectorContentHash: null,
      });

      const withoutFailed = await collect(cat.indexState.needingIndex(MODEL, { includeFailed: false }));
      expect(withoutFailed.map((n) => n.productId)).not.toContain(p2!.id);
      expect(withoutFailed).toHaveLength(3);
    });

    it('keeps one row per product and model, and the hash of stored vectors through a failed retry', async () => {
      const { changed } = await cat.products.upsertMany(syntheticProducts(1));
      const p = changed[0]!;
      await cat.indexState.markIndexed(MODEL, [{ productId: p.id, contentHash: p.contentHash }]);
      await cat.indexState.markPending(MODEL, [p.id]);
      await cat.indexState.markFailed(MODEL, [{ productId: p.id, reason: 'x'.repeat(5000) }]);
      await cat.indexState.markPending('another-model', [p.id]);

      const state = await cat.indexState.get(p.id, MODEL);
      expect(state).toMatchObject({ status: 'failed', vectorContentHash: p.contentHash });
      expect(state!.error).toHaveLength(2000);
      const [{ n }] = await cat.db.dataSource.query<[{ n: number }]>(
        'SELECT count(*)::int AS n FROM product_index_states',
      );
      expect(n).toBe(2);
    });

    it('skips products deleted before their state is written', async () => {
      const { changed } = await cat.products.upsertMany(syntheticProducts(2));
      await cat.products.delete([changed[0]!.id]);
      const written = await cat.indexState.markIndexed(
        MODEL,
        changed.map((c) => ({ productId: c.id, contentHash: c.contentHash })),
      );
      expect(written).toBe(1);
    });

    it('lists the failed products of a model with their reasons, most recent first, a page at a time', async () => {
      const { changed } = await cat.products.upsertMany(syntheticProducts(5));
      const [p0, p1, p2, p3, p4] = changed;
      for (const [p, reason] of [
        [p0!, 'FETCH_FAILED: HTTP 404'],
        [p1!, 'UNAVAILABLE: connection refused'],
        [p2!, 'IMAGE_INVALID: corrupt'],
      ] as const) {
        await cat.indexState.markFailed(MODEL, [{ productId: p.id, reason }]);
        await new Promise((r) => setTimeout(r, 5));
      }
      await cat.indexState.markIndexed(MODEL, [{ productId: p3!.id, contentHash: p3!.contentHash }]);
      await cat.indexState.markFailed('another-model', [{ productId: p4!.id, reason: 'elsewhere' }]);
      // Fixed since: no longer listed.
      await cat.indexState.markIndexed(MODEL, [{ productId: p0!.id, contentHash: p0!.contentHash }]);

      const first = await cat.indexState.failures(MODEL, { limit: 1 });
      expect(first.total).toBe(2);
      expect(first.items).toEqual([
        {
          productId: p2!.id,
          sku: p2!.sku,
          title: syntheticProducts(5)[2]!.title,
          reason: 'IMAGE_INVALID: corrupt',
          failedAt: expect.any(Date) as Date,
        },
      ]);
      const second = await cat.indexState.failures(MODEL, { limit: 1, offset: 1 });
      expect(second.items.map((f) => [f.sku, f.reason])).toEqual([
        [p1!.sku, 'UNAVAILABLE: connection refused'],
      ]);
      expect((await cat.indexState.failures(MODEL, { offset: 2 })).items).toEqual([]);
      await expect(cat.indexState.failures(MODEL, { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(cat.indexState.failures(MODEL, { limit: 501 })).rejects.toBeInstanceOf(ValidationError);
      await expect(cat.indexState.failures(MODEL, { offset: -1 })).rejects.toBeInstanceOf(ValidationError);
    });

    it('refuses an empty model id', async () => {
      await expect(cat.indexState.counts('')).rejects.toBeInstanceOf(ValidationError);
    });
  });
});

function okFetch(fill: string) {
  return { status: 'ok' as const, sha256: fill.repeat(64), width: 64, height: 48 };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
