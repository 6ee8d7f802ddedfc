import {
  CATALOG_BACKENDS,
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import { syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { CatalogVocabularyRepository } from './catalog-vocabulary.repository';

describe.each(CATALOG_BACKENDS)('CatalogVocabularyRepository on %s', (backend) => {
  let cat: TestCatalog;
  let repo: CatalogVocabularyRepository;

  beforeAll(async () => {
    cat = await openTestCatalog(backend);
    repo = new CatalogVocabularyRepository(cat.db);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());

  it('reads every product once, and its marker moves on create, update and delete only', async () => {
    const empty = await repo.changeMarker();
    expect(await repo.rows()).toEqual([]);

    const [first, second] = syntheticProducts(2);
    const { changed } = await cat.products.upsertMany([
      { ...first!, title: 'Vintage Guitar', attributes: { popularity: 12 } },
      second!,
    ]);
    const created = await repo.changeMarker();
    expect(created).not.toBe(empty);
    expect(await repo.changeMarker()).toBe(created);
    const rows = await repo.rows();
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual({
      title: 'Vintage Guitar',
      description: first!.description,
      brand: first!.brand,
      category: first!.category,
      popularity: 12,
    });
    expect(rows.find((r) => r.title === second!.title)?.popularity).toBe(0);

    await cat.products.upsertMany([{ ...second!, title: 'Zanzibar Kazoo' }]);
    const updated = await repo.changeMarker();
    expect(updated).not.toBe(created);

    await cat.products.delete([changed[0]!.id]);
    expect(await repo.changeMarker()).not.toBe(updated);
    expect((await repo.rows()).map((r) => r.title)).toEqual(['Zanzibar Kazoo']);
  });
});
