import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { productInput } from '../../../../test/support/catalog-fixtures';
import { ProductSearchRepository } from './product-search.repository';

const IMG = ['https://img.example/x.jpg'];

describe.each(CATALOG_BACKENDS)('ProductSearchRepository storefront queries on %s', (backend) => {
  let cat: TestCatalog;
  let repo: ProductSearchRepository;
  const id: Record<string, string> = {};

  beforeAll(async () => {
    cat = await openTestCatalog(backend);
    repo = new ProductSearchRepository(cat.db);
    const rows = [
      productInput({
        sku: 'A',
        title: 'Red mug',
        images: IMG,
        category: 'Garden & Plants',
        brand: 'Acme',
        price: { amount: '4.5', currency: 'EUR' },
        attributes: { color: 'Red', size: 42, popularity: 3 },
      }),
      productInput({
        sku: 'B',
        title: 'Blue mug',
        images: IMG,
        category: 'Garden & Plants',
        brand: 'Globex',
        price: { amount: '12', currency: 'EUR' },
        inStock: false,
        attributes: { colour: 'red', popularity: 9 },
      }),
      productInput({
        sku: 'C',
        title: 'Green lamp',
        images: IMG,
        category: 'Kitchen',
        brand: 'Acme',
        price: { amount: '120', currency: 'USD' },
        attributes: { color: 'green', size: '42' },
      }),
      productInput({ sku: 'D', title: 'Lamp without price', images: IMG, category: 'Kitchen' }),
    ];
    // One by one so that created_at orders them A < B < C < D.
    for (const r of rows) {
      const { changed } = await cat.products.upsertMany([r]);
      id[r.sku] = changed[0]!.id;
    }
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());

  const skus = (ids: readonly string[]) => ids.map((x) => Object.keys(id).find((k) => id[k] === x));

  it('filters names without case and attributes as text ("42" is 42)', async () => {
    const { ids, total } = await repo.browse({ category: ['garden & plants'] }, 'newest', 0, 10);
    expect(total).toBe(2);
    expect(skus(ids)).toEqual(['B', 'A']);
    expect(skus((await repo.browse({ attributes: { size: '42' } }, 'newest', 0, 10)).ids)).toEqual([
      'C',
      'A',
    ]);
    expect(skus((await repo.browse({ attributes: { color: 'RED' } }, 'newest', 0, 10)).ids)).toEqual(['A']);
  });

  it('pages a browse and still counts past the end', async () => {
    const page = await repo.browse({}, 'newest', 3, 2);
    expect(skus(page.ids)).toEqual(['A']);
    expect(page.total).toBe(4);
    expect(await repo.browse({}, 'newest', 10, 2)).toEqual({ ids: [], total: 4 });
  });

  it('orders by price within a currency with unpriced products last, and by popularity', async () => {
    const all = Object.values(id);
    expect(skus(await repo.order(all, 'price_asc'))).toEqual(['A', 'B', 'C', 'D']);
    expect(skus(await repo.order(all, 'price_desc'))).toEqual(['B', 'A', 'C', 'D']);
    expect(skus(await repo.order(all, 'popularity'))).toEqual(['B', 'A', 'C', 'D']);
    expect(skus(await repo.order([id.D!, id.C!], 'newest'))).toEqual(['D', 'C']);
  });

  it('counts facets over a set in one aggregate', async () => {
    const f = await repo.facets({ ids: [id.A!, id.B!, id.C!] }, [
      'category',
      'brand',
      'inStock',
      'currency',
      'price',
      { attribute: 'color', keys: ['color', 'colour'] },
    ]);
    expect(f.values.category).toEqual({ 'Garden & Plants': 2, Kitchen: 1 });
    expect(f.values.brand).toEqual({ Acme: 2, Globex: 1 });
    expect(f.values.inStock).toEqual({ true: 2, false: 1 });
    expect(f.values.currency).toEqual({ EUR: 2, USD: 1 });
    // Buckets 0-5 (index 0), 10-25 (index 2), 100+ (index 5).
    expect(f.price).toEqual({ EUR: { 0: 1, 2: 1 }, USD: { 5: 1 } });
    expect(Object.keys(f.attributes.color!).sort()).toEqual(['green', 'red']);
    expect([...f.attributes.color!.red!].sort()).toEqual([id.A, id.B].sort());
    const filtered = await repo.facets({ filter: { brand: ['acme'] } }, ['category']);
    expect(filtered.values.category).toEqual({ 'Garden & Plants': 1, Kitchen: 1 });
  });

  it('lists the catalog values', async () => {
    const v = await repo.values();
    expect([...v.categories].sort()).toEqual(['Garden & Plants', 'Kitchen']);
    expect(v.currencies).toEqual(['EUR', 'USD']);
    expect(v.attributes.size).toEqual(expect.arrayContaining([42, '42']));
  });

  it('reads descriptions for cards only when asked', async () => {
    const [plain] = await repo.cards([id.A!]);
    expect(plain).not.toHaveProperty('description');
    const [withText] = await repo.cards([id.A!], { description: true });
    expect(withText).toHaveProperty('description', null);
  });
});
