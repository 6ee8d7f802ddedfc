import type { CatalogValues } from '@vitrine/catalog';
import { buildFacets, checkFacetNames, resolveFacets } from './facets';

const values: CatalogValues = {
  categories: ['Garden & Plants'],
  brands: [],
  currencies: ['EUR', 'USD'],
  attributes: { Colour: ['red'], material: ['wood'] },
};

describe('facets', () => {
  it('resolves built-in names and attributes, colour and color as one, and refuses unknown names', () => {
    const r = resolveFacets(['category', 'color', 'material'], values, []);
    expect(r.map((f) => f.field)).toEqual([
      'category',
      { attribute: 'color', keys: ['Colour'] },
      { attribute: 'material', keys: ['material'] },
    ]);
    expect(() => resolveFacets(['flavour', 'size'], values, [])).toThrow('unknown facet "flavour", "size"');
    // A name only the picture source knows is a facet.
    expect(resolveFacets(['pattern'], values, ['pattern'])[0]!.field).toEqual({
      attribute: 'pattern',
      keys: [],
    });
    expect(() => checkFacetNames(Array.from({ length: 11 }, (_, i) => `a${i}`))).toThrow('at most 10');
  });

  it('merges picture values with catalog values per product, and labels price ranges per currency', () => {
    const requests = resolveFacets(['colour', 'price', 'inStock'], values, []);
    const out = buildFacets(
      requests,
      {
        values: { inStock: { true: 3, false: 1 } },
        price: { USD: { 5: 1 }, EUR: { 0: 2, 2: 1 } },
        attributes: { color: { red: ['p1', 'p2'] } },
      },
      [
        { productId: 'p2', attribute: 'colour', value: 'Red' },
        { productId: 'p3', attribute: 'colour', value: 'red' },
        { productId: 'p4', attribute: 'colour', value: 'blue' },
      ],
    );
    expect(out.colour).toEqual([
      { value: 'red', count: 3 },
      { value: 'blue', count: 1 },
    ]);
    expect(out.price).toEqual([
      { value: '0-5', from: 0, to: 5, currency: 'EUR', count: 2 },
      { value: '10-25', from: 10, to: 25, currency: 'EUR', count: 1 },
      { value: '100+', from: 100, to: null, currency: 'USD', count: 1 },
    ]);
    expect(out.inStock).toEqual([
      { value: true, count: 3 },
      { value: false, count: 1 },
    ]);
  });
});
