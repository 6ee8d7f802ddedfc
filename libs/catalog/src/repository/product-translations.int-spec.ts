import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { productInput } from '../../../../test/support/catalog-fixtures';
import { ProductTranslations1765310000000 } from '../database/migrations/1765310000000-product-translations';
import { ProductSearchRepository } from './product-search.repository';

/** Localised text and the segmented document, on PostgreSQL and on embedded PGlite (same SQL, other locale rules). */
describe.each(CATALOG_BACKENDS)('product translations on %s', (backend) => {
  let cat: TestCatalog;
  let repo: ProductSearchRepository;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    cat = await openTestCatalog(backend);
    repo = new ProductSearchRepository(cat.db);
    const { changed } = await cat.products.upsertMany([
      productInput({
        sku: 'HEEL',
        title: 'Classic High-Heeled Shoe',
        images: [],
        attributes: { color: 'red' },
        translations: { zh: { title: '高跟鞋', description: '女式时装鞋。' } },
      }),
      productInput({
        sku: 'APPLE',
        title: 'Organic Red Apple',
        images: [],
        translations: { zh: { title: '红苹果', description: null } },
      }),
      productInput({
        sku: 'LOCK',
        title: 'Padlock',
        images: [],
        attributes: { color: 'yellow' },
        translations: { zh: { title: '合上的锁', description: null } },
      }),
      // A shop writing Chinese in its own fields, without translations.
      productInput({ sku: 'UMBRELLA', title: '雨伞', images: [] }),
    ]);
    for (const c of changed) ids[c.sku] = c.id;
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());

  const skus = async (query: string): Promise<string[]> => {
    const hits = await repo.lexicalSearch(query, {}, 20);
    const bySku = Object.fromEntries(Object.entries(ids).map(([sku, id]) => [id, sku]));
    return hits.map((h) => bySku[h.id]!);
  };

  it('reads translations back with the product, and a re-import without them removes them', async () => {
    const heel = await cat.products.getBySku('HEEL');
    expect(heel?.translations).toEqual({ zh: { title: '高跟鞋', description: '女式时装鞋。' } });
    const again = await cat.products.upsertMany([
      productInput({ sku: 'APPLE', title: 'Organic Red Apple', images: [] }),
    ]);
    expect(again.updated).toBe(1);
    expect((await cat.products.getBySku('APPLE'))?.translations).toEqual({});
    expect(await skus('苹果')).toEqual([]);
    await cat.products.upsertMany([
      productInput({
        sku: 'APPLE',
        title: 'Organic Red Apple',
        images: [],
        translations: { zh: { title: '红苹果', description: null } },
      }),
    ]);
    expect(await skus('苹果')).toEqual(['APPLE']);
  });

  it('finds products by their Chinese words, a word by the characters of a longer one, and not by 的', async () => {
    expect(await skus('高跟鞋')).toEqual(['HEEL']);
    expect(await skus('鞋')).toEqual(['HEEL']);
    expect(await skus('雨伞')).toEqual(['UMBRELLA']);
    // 红色 (red) is the heel's colour attribute; 的 alone would match 合上的锁.
    expect((await skus('红色的鞋'))[0]).toBe('HEEL');
    expect(await skus('的')).toEqual([]);
    expect(await skus('量子力学')).toEqual([]);
  });

  it('shows cards in the asked locale, falling back to the catalog text and saying which it is', async () => {
    const [heel, umbrella] = await repo.cards([ids.HEEL!, ids.UMBRELLA!], {
      description: true,
      locale: 'zh-Hans-CN',
    });
    expect(heel).toMatchObject({ title: '高跟鞋', description: '女式时装鞋。', locale: 'zh' });
    expect(umbrella).toMatchObject({ title: '雨伞', locale: null });
    const [plain] = await repo.cards([ids.HEEL!]);
    expect(plain?.title).toBe('Classic High-Heeled Shoe');
    expect(plain).not.toHaveProperty('locale');
  });

  it('gives products written before the migration their Chinese document when it runs', async () => {
    const migration = new ProductTranslations1765310000000();
    const runner = cat.db.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      await runner.query(
        `INSERT INTO products (sku, title, category, in_stock, attributes, content_hash)
         VALUES ('OLD-FAN', '折扇 folding fan', 'Accessories', true, '{"color":"red"}', 'h1'),
                ('OLD-MUG', 'Mug', '杯子', true, '{}', 'h2'), ('OLD-EN', 'Plain mug', 'Kitchen', true, '{}', 'h3')`,
      );
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const old = await cat.products.getBySku('OLD-FAN');
    const mug = await cat.products.getBySku('OLD-MUG');
    ids['OLD-FAN'] = old!.id;
    ids['OLD-MUG'] = mug!.id;
    expect(await skus('折扇')).toEqual(['OLD-FAN']);
    expect(await skus('杯子')).toEqual(['OLD-MUG']);
    expect((await skus('红色的扇子'))[0]).toBe('OLD-FAN');
    // down dropped the translations with their columns: writing the product again brings them back.
    await cat.products.upsertMany([
      productInput({
        sku: 'HEEL',
        title: 'Classic High-Heeled Shoe',
        images: [],
        attributes: { color: 'red' },
        translations: { zh: { title: '高跟鞋', description: '女式时装鞋。' } },
      }),
    ]);
    expect(await skus('高跟鞋')).toEqual(['HEEL']);
  });

  it('refuses a translation under a tag that is not canonical BCP 47', async () => {
    await expect(
      cat.products.upsertMany([
        productInput({
          sku: 'BAD',
          title: 'x',
          images: [],
          translations: { 'not a tag': { title: 'x', description: null } },
        }),
      ]),
    ).rejects.toThrow(/not a canonical BCP 47 tag/);
  });
});
