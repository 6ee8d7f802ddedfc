import { filterSql } from './product-search.repository';

describe('ProductSearchRepository filters', () => {
  it('turns every condition into a parameter after the ones already there, never into SQL text', () => {
    const params: unknown[] = ['query text'];
    const where = filterSql(
      {
        category: ['Kitchen', 'GARDEN'],
        brand: ['Acme'],
        currency: 'EUR',
        price: { min: 5, max: 20 },
        inStock: true,
        attributes: { color: 'red', size: 42 },
        excludeIds: ['11111111-1111-1111-1111-111111111111'],
      },
      params,
    );
    expect(where).toBe(
      'lower(p.category) = ANY($2::text[]) AND lower(p.brand) = ANY($3::text[]) AND p.price_currency = $4 AND ' +
        'p.price_amount >= $5::numeric AND p.price_amount <= $6::numeric AND p.in_stock = $7 AND ' +
        'lower(p.attributes ->> $8::text) = $9 AND lower(p.attributes ->> $10::text) = $11 AND ' +
        'NOT (p.id = ANY($12::uuid[]))',
    );
    // Names and attribute values compare without case, attribute values as text ("42" names 42).
    expect(params).toEqual([
      'query text',
      ['kitchen', 'garden'],
      ['acme'],
      'EUR',
      5,
      20,
      true,
      'color',
      'red',
      'size',
      '42',
      ['11111111-1111-1111-1111-111111111111'],
    ]);
  });

  it('is a no-op without conditions (an empty exclusion list included)', () => {
    const params: unknown[] = [];
    expect(filterSql({ excludeIds: [] }, params)).toBe('TRUE');
    expect(params).toEqual([]);
  });
});
