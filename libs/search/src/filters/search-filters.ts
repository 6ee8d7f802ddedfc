import type { ProductFilter } from '@vitrine/catalog';
import { ValidationError } from '@vitrine/core';
import type { VectorFilter } from '@vitrine/vectors';
import type { SearchFilters } from '../search.types';

const KEYS = new Set(['category', 'brand', 'price', 'currency', 'inStock', 'attributes']);
const PRICE_KEYS = new Set(['min', 'max']);
/** Same key rule as the vector store's payload filter. */
const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_VALUES = 100;
/**
 * Attribute conditions per search: each one is checked against every candidate row and point, so a thousand of
 * them made one request cost a thousand filters over the catalog. No storefront refines on more.
 */
export const MAX_ATTRIBUTE_FILTERS = 32;
const MAX_VALUE_CHARS = 200;

function fail(field: string, message: string): never {
  throw new ValidationError(`filters.${field} ${message}`, { field: `filters.${field}` });
}

function checkStrings(field: string, v: unknown): void {
  const values = Array.isArray(v) ? (v as unknown[]) : [v];
  if (Array.isArray(v) && (v.length === 0 || v.length > MAX_VALUES))
    fail(field, `must list 1 to ${MAX_VALUES} values`);
  for (const x of values) {
    if (typeof x !== 'string' || x.trim() === '' || x.length > MAX_VALUE_CHARS)
      fail(field, `must be a non-empty string of at most ${MAX_VALUE_CHARS} characters, or a list of them`);
  }
}

/**
 * Checks a filter object from outside (the API validates its shape too; the library does not trust callers).
 * Unknown keys are refused, never ignored: a typo must not silently widen the results.
 */
export function validateFilters(filters: SearchFilters | undefined): SearchFilters {
  if (filters === undefined) return {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters))
    throw new ValidationError('filters must be an object', { field: 'filters' });
  for (const key of Object.keys(filters)) {
    if (!KEYS.has(key)) fail(key, `is not a filter (use ${[...KEYS].join(', ')})`);
  }
  if (filters.category !== undefined) checkStrings('category', filters.category);
  if (filters.brand !== undefined) checkStrings('brand', filters.brand);
  if (filters.currency !== undefined && !/^[A-Z]{3}$/.test(String(filters.currency)))
    fail('currency', 'must be an ISO 4217 code such as EUR');
  if (filters.inStock !== undefined && typeof filters.inStock !== 'boolean')
    fail('inStock', 'must be a boolean');
  if (filters.price !== undefined) {
    const p = filters.price;
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      fail('price', 'must be an object { min?, max? }');
    for (const key of Object.keys(p)) if (!PRICE_KEYS.has(key)) fail(`price.${key}`, 'is not a price bound');
    for (const key of ['min', 'max'] as const) {
      const v = p[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
        fail(`price.${key}`, 'must be a non-negative number');
    }
    if (p.min === undefined && p.max === undefined) fail('price', 'needs min or max');
    if (p.min !== undefined && p.max !== undefined && p.min > p.max)
      fail('price', `range is reversed: min ${p.min} is above max ${p.max}`);
  }
  if (filters.attributes !== undefined) {
    const a = filters.attributes;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) fail('attributes', 'must be an object');
    if (Object.keys(a).length > MAX_ATTRIBUTE_FILTERS)
      fail('attributes', `may name at most ${MAX_ATTRIBUTE_FILTERS} attributes`);
    for (const [key, v] of Object.entries(a)) {
      if (!ATTRIBUTE_KEY.test(key))
        fail(`attributes`, `key "${key.slice(0, 80)}" must match ${ATTRIBUTE_KEY.source}`);
      const ok =
        (typeof v === 'string' && v.length <= MAX_VALUE_CHARS) ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v));
      if (!ok) fail(`attributes.${key}`, 'must be a string, a finite number or a boolean');
    }
  }
  return filters;
}

function oneOrMany(v: string | readonly string[]): string | { readonly in: readonly string[] } {
  return typeof v === 'string' ? v : { in: v };
}

/** The vector store's form of a validated filter, plus ids to leave out. */
export function toVectorFilter(filters: SearchFilters, excludeIds: readonly string[] = []): VectorFilter {
  const price = filters.price
    ? {
        ...(filters.price.min !== undefined ? { gte: filters.price.min } : {}),
        ...(filters.price.max !== undefined ? { lte: filters.price.max } : {}),
      }
    : undefined;
  return {
    ...(filters.category !== undefined ? { category: oneOrMany(filters.category) } : {}),
    ...(filters.brand !== undefined ? { brand: oneOrMany(filters.brand) } : {}),
    ...(filters.currency !== undefined ? { currency: filters.currency } : {}),
    ...(price ? { price } : {}),
    ...(filters.inStock !== undefined ? { inStock: filters.inStock } : {}),
    ...(filters.attributes && Object.keys(filters.attributes).length > 0
      ? { attributes: filters.attributes }
      : {}),
    ...(excludeIds.length > 0 ? { excludeIds } : {}),
  };
}

/**
 * The catalog's form of a validated filter, plus ids to leave out: the full-text candidates are read by the
 * catalog, which owns the products table and turns this typed filter into SQL.
 */
export function toCatalogFilter(filters: SearchFilters, excludeIds: readonly string[] = []): ProductFilter {
  const list = (v: string | readonly string[]): readonly string[] => (typeof v === 'string' ? [v] : v);
  return {
    ...(filters.category !== undefined ? { category: list(filters.category) } : {}),
    ...(filters.brand !== undefined ? { brand: list(filters.brand) } : {}),
    ...(filters.currency !== undefined ? { currency: filters.currency } : {}),
    ...(filters.price ? { price: filters.price } : {}),
    ...(filters.inStock !== undefined ? { inStock: filters.inStock } : {}),
    ...(filters.attributes && Object.keys(filters.attributes).length > 0
      ? { attributes: filters.attributes }
      : {}),
    ...(excludeIds.length > 0 ? { excludeIds } : {}),
  };
}
