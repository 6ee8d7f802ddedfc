import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { ProductSearchRepository } from './product-search.repository';

/**
 * The search queries are prepared per connection; a statement that fails (a value PostgreSQL refuses)
 * makes the pool replace the connection. These tests pin that no failure leaves later searches broken.
 */
describe.each(CATALOG_BACKENDS)('ProductSearchRepository on %s', (backend) => {
  let cat: TestCatalog;
  let repo: ProductSearchRepository;
  let id: string;

  beforeAll(async () => {
    cat = await openTestCatalog(backend);
    repo = new ProductSearchRepository(cat.db);
    const { changed } = await cat.products.upsertMany(syntheticProducts(10));
    id = changed[0]!.id;
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());

  const searchStillWorks = async () => {
    const hits = await repo.lexicalSearch('mug', {}, 20);
    expect(hits.length).toBeGreaterThan(0);
    expect((await repo.cards([id])).map((c) => c.id)).toEqual([id]);
    expect(await repo.imageUri(id, 0)).toMatch(/^https:/);
  };

  it('keeps answering after statements fail on values PostgreSQL refuses, each shape failing first or later', async () => {
    await searchStillWorks();
    // Already prepared shapes, failing at Bind: a NUL byte in text, an int4 out of range.
    await expect(repo.lexicalSearch('mu\u0000g', {}, 20)).rejects.toThrow(/0x00/);
    await searchStillWorks();
    await expect(repo.imageUri(id, 2 ** 31)).rejects.toThrow(/out of range/);
    await searchStillWorks();
    // A shape whose very first use fails.
    await expect(repo.lexicalSearch('mug', { brand: ['Ac\u0000me'] }, 20)).rejects.toThrow(/0x00/);
    expect(await repo.lexicalSearch('mug', { brand: ['Acme'] }, 20)).toEqual(expect.any(Array));
    await searchStillWorks();
    // Many failures in a row do not wear anything out.
    for (let i = 0; i < 5; i++) await expect(repo.imageUri(id, -(2 ** 40))).rejects.toThrow();
    await searchStillWorks();
  });
});
