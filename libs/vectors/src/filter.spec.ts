import { DomainError } from '@vitrine/core';
import { compileFilter, conditionMatches, type VectorFilter } from './filter';

function rejects(f: unknown): DomainError {
  try {
    compileFilter(f as VectorFilter);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('VALIDATION_FAILED');
    return e as DomainError;
  }
  throw new Error(`accepted ${JSON.stringify(f)}`);
}

describe('compileFilter', () => {
  it('rejects unknown keys instead of silently widening results', () => {
    expect(rejects({ colour: 'red' }).message).toContain('colour');
    expect(rejects({ attributes: { 'a.b': 1 } }).message).toContain('a.b');
    expect(rejects({ fields: { price: 3 } }).message).toContain('price');
  });

  it('rejects conditions of the wrong type for a field', () => {
    rejects({ category: 3 });
    rejects({ price: 'cheap' });
    rejects({ price: { gte: Number.NaN } });
    rejects({ price: {} });
    rejects({ inStock: 'yes' });
    rejects({ brand: { in: ['a', 1] } });
    rejects({ category: { gte: 1 } });
    rejects({ attributes: { size: { in: [1], gte: 2 } } });
    rejects({ excludeIds: ['not-a-uuid'] });
  });

  it('flags an empty in-set as matching nothing', () => {
    expect(compileFilter({ category: { in: [] } }).matchesNothing).toBe(true);
    expect(compileFilter({ category: { in: ['x'] } }).matchesNothing).toBe(false);
  });
});

describe('conditionMatches', () => {
  const payload = { price: 10, attributes: { size: 42, tags: ['a', 'b'] }, inStock: false };
  const holds = (f: VectorFilter) => compileFilter(f).conditions.every((c) => conditionMatches(c, payload));

  it('compares with JSON types: a number never equals its string', () => {
    expect(holds({ attributes: { size: 42 } })).toBe(true);
    expect(holds({ attributes: { size: '42' } })).toBe(false);
    expect(holds({ inStock: false })).toBe(true);
  });

  it('never matches a missing field, and matches an array when one element does', () => {
    expect(holds({ brand: 'x' })).toBe(false);
    expect(holds({ price: { lte: 100 } })).toBe(true);
    expect(holds({ fields: { missing: { gte: 0 } } })).toBe(false);
    expect(holds({ attributes: { tags: 'b' } })).toBe(true);
    expect(holds({ attributes: { tags: { in: ['c', 'd'] } } })).toBe(false);
  });
});
