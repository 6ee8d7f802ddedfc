import type { CatalogValues, ProductFilter } from '@vitrine/catalog';
import { ValidationError } from '@vitrine/core';
import type { ValueCondition, VectorFilter } from '@vitrine/vectors';
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

/** A validated filter with its values resolved against the catalog's (see {@link resolveFilterValues}). */
export interface ResolvedFilters {
  readonly filters: SearchFilters;
  /** Per attribute filter, the vector store's condition naming the catalog's own values. */
  readonly vectorAttributes?: Readonly<Record<string, ValueCondition>>;
}

/**
 * Filter values as the catalog spells them, for the vector store's exact payload match: category and brand names
 * without case ("garden & plants" is "Garden & Plants"), attribute values as text without case ("42" is 42, "true"
 * is true). A value the catalog does not hold stays as given (it matches nothing there either). A price range
 * without a currency names the catalog's only currency; when the catalog prices in several it is refused
 * (`requireCurrency`) or applies to every currency's amounts.
 */
export function resolveFilterValues(
  filters: SearchFilters,
  values: CatalogValues,
  requireCurrency = true,
): ResolvedFilters {
  const names = (requested: string | readonly string[], known: readonly string[]): readonly string[] => {
    const wanted = (typeof requested === 'string' ? [requested] : requested).map((x) => x.toLowerCase());
    const found = known.filter((k) => wanted.includes(k.toLowerCase()));
    const missing = wanted.filter((w) => !found.some((k) => k.toLowerCase() === w));
    return [...found, ...missing];
  };
  let currency = filters.currency;
  if (filters.price !== undefined && currency === undefined) {
    if (values.currencies.length > 1 && requireCurrency)
      throw new ValidationError(`name a currency: this catalog prices in ${values.currencies.join(', ')}`, {
        field: 'filters.currency',
        currencies: values.currencies,
      });
    if (values.currencies.length === 1) currency = values.currencies[0];
  }
  let vectorAttributes: Record<string, ValueCondition> | undefined;
  if (filters.attributes) {
    vectorAttributes = {};
    for (const [key, requested] of Object.entries(filters.attributes)) {
      const text = String(requested).toLowerCase();
      const known = (values.attributes[key] ?? []).filter((v) => String(v).toLowerCase() === text);
      const strings = known.filter((v): v is string => typeof v === 'string');
      const numbers = known.filter((v): v is number => typeof v === 'number');
      const booleans = known.filter((v): v is boolean => typeof v === 'boolean');
      // One JSON type per condition: the catalog rarely holds one value under two types; strings win then.
      vectorAttributes[key] =
        strings.length > 0
          ? strings.length === 1
            ? strings[0]!
            : { in: strings }
          : numbers.length > 0
            ? numbers[0]!
            : booleans.length > 0
              ? booleans[0]!
              : requested;
    }
  }
  return {
    filters: {
      ...filters,
      ...(filters.category !== undefined ? { category: names(filters.category, values.categories) } : {}),
      ...(filters.brand !== undefined ? { brand: names(filters.brand, values.brands) } : {}),
      ...(currency !== undefined ? { currency } : {}),
    },
    ...(vectorAttributes ? { vectorAttributes } : {}),
  };
}

/**
 * The vector store's form of a validated filter, plus ids to leave out; `attributes` replaces the filter's own
 * attribute conditions (resolved values).
 */
export function toVectorFilter(
  filters: SearchFilters,
  excludeIds: readonly string[] = [],
  attributes?: Readonly<Record<string, ValueCondition>>,
): VectorFilter {
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
      ? { attributes: attributes ?? filters.attributes }
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
