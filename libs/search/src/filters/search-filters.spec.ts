import { DomainError } from '@vitrine/core';
import type { SearchFilters } from '../search.types';
import { toCatalogFilter, toVectorFilter, validateFilters } from './search-filters';

function refusal(filters: unknown): string {
  try {
    validateFilters(filters as SearchFilters);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('VALIDATION_FAILED');
    return (e as DomainError).message;
  }
  throw new Error('accepted');
}

describe('search filters', () => {
  it('refuses unknown fields, reversed price ranges and bad values with a message naming the field', () => {
    expect(refusal({ colour: 'red' })).toContain('filters.colour');
    expect(refusal({ price: { min: 50, max: 10 } })).toContain('reversed');
    expect(refusal({ price: { from: 1 } })).toContain('filters.price.from');
    expect(refusal({ price: { min: -1 } })).toContain('filters.price.min');
    expect(refusal({ inStock: 'yes' })).toContain('filters.inStock');
    expect(refusal({ category: [] })).toContain('filters.category');
    expect(refusal({ attributes: { 'bad key!': 'x' } })).toContain('filters.attributes');
    expect(refusal({ attributes: { size: { gt: 3 } } })).toContain('filters.attributes.size');
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`a${i}`, 'x']));
    expect(refusal({ attributes: many })).toBe('filters.attributes may name at most 32 attributes');
    expect(() =>
      validateFilters({ attributes: Object.fromEntries(Object.entries(many).slice(1)) }),
    ).not.toThrow();
  });

  it('translates the same conditions for the vector store and for the catalog full-text query', () => {
    const filters: SearchFilters = {
      category: ['Kitchen', 'Garden'],
      brand: 'Acme',
      price: { min: 5, max: 20 },
      inStock: true,
      attributes: { color: 'red', size: 42 },
    };
    expect(toVectorFilter(validateFilters(filters), ['11111111-1111-1111-1111-111111111111'])).toEqual({
      category: { in: ['Kitchen', 'Garden'] },
      brand: 'Acme',
      price: { gte: 5, lte: 20 },
      inStock: true,
      attributes: { color: 'red', size: 42 },
      excludeIds: ['11111111-1111-1111-1111-111111111111'],
    });
    expect(toCatalogFilter(validateFilters(filters), ['11111111-1111-1111-1111-111111111111'])).toEqual({
      category: ['Kitchen', 'Garden'],
      brand: ['Acme'],
      price: { min: 5, max: 20 },
      inStock: true,
      attributes: { color: 'red', size: 42 },
      excludeIds: ['11111111-1111-1111-1111-111111111111'],
    });
  });

  it('is a no-op without filters', () => {
    expect(toVectorFilter(validateFilters(undefined))).toEqual({});
    expect(toCatalogFilter(validateFilters(undefined))).toEqual({});
    expect(toCatalogFilter({ attributes: {} }, [])).toEqual({});
  });
});
