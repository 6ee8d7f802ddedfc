import { compileFilter, type VectorFilter } from '../filter';
import { toQdrantFilter } from '../qdrant/qdrant-filter';
import { fromQdrantFilter } from './qdrant-filter-reverse';

const ID = '6f1c1d0e-8a8b-4c1e-9a6e-2f3c4d5e6f70';

describe('fromQdrantFilter (the Qdrant stand-in)', () => {
  const filters: VectorFilter[] = [
    { brand: 'Acme' },
    { category: { in: ['shoes', 'bags'] } },
    { price: { gte: 10, lt: 99.5 } },
    { price: 12.9 },
    { inStock: false },
    { attributes: { color: 'red', size: { in: [36, 40] }, vegan: true, weight: { gt: 2 } } },
    { fields: { sku: { in: ['A', 'B'] }, modelId: 'm' } },
    { excludeIds: [ID], currency: 'EUR' },
  ];

  it.each(filters)('is the inverse of toQdrantFilter for %j', (filter) => {
    const compiled = compileFilter(filter);
    expect(compileFilter(fromQdrantFilter(toQdrantFilter(compiled)))).toEqual(compiled);
  });

  it('refuses what it cannot express instead of widening the filter', () => {
    const refused = [
      { should: [{ key: 'brand', match: { value: 'a' } }] },
      { must: [{ key: 'brand', match: { except: ['a'] } }] },
      { must: [{ key: 'city', geo_radius: { center: { lat: 0, lon: 0 }, radius: 1 } }] },
      { must: [{ has_id: [ID] }] },
      { must_not: [{ key: 'brand', match: { value: 'a' } }] },
      {
        must: [
          { key: 'price', range: { gte: 1 } },
          { key: 'price', range: { lte: 5 } },
        ],
      },
    ];
    for (const f of refused) expect(() => fromQdrantFilter(f)).toThrow(/stand-in cannot translate/);
  });
});
