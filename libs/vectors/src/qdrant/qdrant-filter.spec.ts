import { compileFilter, type VectorFilter } from '../filter';
import { toQdrantFilter } from './qdrant-filter';

const translate = (f: VectorFilter) => toQdrantFilter(compileFilter(f));

describe('toQdrantFilter', () => {
  it('leaves the search unfiltered when there is nothing to filter on', () => {
    expect(translate({})).toBeUndefined();
    expect(toQdrantFilter(compileFilter(undefined))).toBeUndefined();
  });

  it('matches strings and booleans by value, keyword sets with any', () => {
    expect(translate({ brand: 'acme', inStock: true, category: { in: ['shoes', 'bags'] } })).toEqual({
      must: [
        { key: 'category', match: { any: ['shoes', 'bags'] } },
        { key: 'brand', match: { value: 'acme' } },
        { key: 'inStock', match: { value: true } },
      ],
    });
  });

  it('turns numeric equality and numeric sets into closed ranges, since match value takes no floats', () => {
    expect(translate({ price: 19.99, attributes: { size: { in: [40, 42.5] } } })).toEqual({
      must: [
        { key: 'price', range: { gte: 19.99, lte: 19.99 } },
        {
          should: [
            { key: 'attributes.size', range: { gte: 40, lte: 40 } },
            { key: 'attributes.size', range: { gte: 42.5, lte: 42.5 } },
          ],
        },
      ],
    });
  });

  it('passes ranges through and addresses attributes and free fields by dotted path', () => {
    expect(
      translate({
        price: { gte: 10, lt: 100 },
        attributes: { color: 'red', vegan: false },
        fields: { sku: 'A-1' },
      }),
    ).toEqual({
      must: [
        { key: 'price', range: { gte: 10, lt: 100 } },
        { key: 'attributes.color', match: { value: 'red' } },
        { key: 'attributes.vegan', match: { value: false } },
        { key: 'sku', match: { value: 'A-1' } },
      ],
    });
  });

  it('excludes ids with one has_id under must_not, ids in canonical lower case', () => {
    const id = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
    expect(translate({ excludeIds: [id], currency: 'EUR' })).toEqual({
      must: [{ key: 'currency', match: { value: 'EUR' } }],
      must_not: [{ has_id: [id.toLowerCase()] }],
    });
    expect(translate({ excludeIds: [id] })).toEqual({ must_not: [{ has_id: [id.toLowerCase()] }] });
  });
});
