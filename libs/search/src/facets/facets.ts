import { PRICE_BUCKET_EDGES, type CatalogValues, type FacetCounts, type FacetField } from '@vitrine/catalog';
import { ValidationError } from '@vitrine/core';
import { MAX_FACETS, type FacetValue } from '../search.types';

/**
 * Attribute values known besides the catalog's own `attributes` (e.g. read from pictures by libs/attributes), for
 * attribute facets. Implementations return only values they hold as facts (at or above the attribute's confidence
 * threshold). Registered under {@link FACET_ATTRIBUTE_SOURCE}; without one, facets count catalog attributes only.
 */
export interface FacetAttributeSource {
  /** Attribute names this source can give values for (lower case; `colour` for colours). */
  names(): Promise<readonly string[]>;
  /** The values of `attributes` for `productIds` (values compared without case). */
  values(
    productIds: readonly string[],
    attributes: readonly string[],
  ): Promise<
    ReadonlyArray<{ readonly productId: string; readonly attribute: string; readonly value: string }>
  >;
}

export const FACET_ATTRIBUTE_SOURCE = Symbol('FACET_ATTRIBUTE_SOURCE');

const BUILT_IN = new Set(['category', 'brand', 'price', 'inStock', 'currency']);
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** One requested facet: the name asked for (the response key) and what it counts. */
export interface FacetRequest {
  readonly name: string;
  readonly field: FacetField;
  /** For attribute facets: the canonical name (`color` for `colour`). */
  readonly attribute?: string;
}

/** `colour` and `color` are one facet; attribute names compare without case. */
export function canonicalAttribute(name: string): string {
  const lower = name.toLowerCase();
  return lower === 'colour' ? 'color' : lower;
}

/** Checks the shape of a facet list (no catalog lookup): at most {@link MAX_FACETS} distinct names. */
export function checkFacetNames(raw: readonly string[] | undefined): readonly string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw new ValidationError('facets must be a list of names', { field: 'facets' });
  if (raw.length > MAX_FACETS)
    throw new ValidationError(`facets may name at most ${MAX_FACETS} facets`, {
      field: 'facets',
      max: MAX_FACETS,
    });
  for (const name of raw)
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name))
      throw new ValidationError(`facet "${String(name).slice(0, 80)}" is not a facet name`, {
        field: 'facets',
      });
  return [...new Set<string>(raw)];
}

/**
 * The facets asked for, resolved against what the catalog (and the extra attribute source) knows: a name that is
 * neither built in nor an attribute any product has is refused, naming it.
 */
export function resolveFacets(
  names: readonly string[],
  values: CatalogValues,
  sourceNames: readonly string[],
): FacetRequest[] {
  const keysByAttribute = new Map<string, string[]>();
  for (const key of Object.keys(values.attributes)) {
    const canonical = canonicalAttribute(key);
    keysByAttribute.set(canonical, [...(keysByAttribute.get(canonical) ?? []), key]);
  }
  const fromSource = new Set(sourceNames.map(canonicalAttribute));
  const out: FacetRequest[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    if (BUILT_IN.has(name)) {
      out.push({ name, field: name as Exclude<FacetField, object> });
      continue;
    }
    const attribute = canonicalAttribute(name);
    const keys = keysByAttribute.get(attribute) ?? [];
    if (keys.length === 0 && !fromSource.has(attribute)) unknown.push(name);
    else out.push({ name, attribute, field: { attribute, keys } });
  }
  if (unknown.length > 0)
    throw new ValidationError(
      `unknown facet ${unknown.map((n) => `"${n}"`).join(', ')}: use category, brand, price, inStock, currency or ` +
        `an attribute of the catalog`,
      { field: 'facets', unknown },
    );
  return out;
}

/** Bucket label, bounds of a price bucket index into {@link PRICE_BUCKET_EDGES}. */
function bucket(i: number): { value: string; from: number | null; to: number | null } {
  const from = PRICE_BUCKET_EDGES[i] ?? null;
  const to = PRICE_BUCKET_EDGES[i + 1] ?? null;
  return { value: to === null ? `${from}+` : `${from}-${to}`, from, to };
}

/**
 * The response's facets: catalog counts as they are; attribute values merged with the extra source's by product
 * (a product counts once per value). Values by count, then name; empty price buckets left out.
 */
export function buildFacets(
  requests: readonly FacetRequest[],
  counts: FacetCounts,
  extra: ReadonlyArray<{ readonly productId: string; readonly attribute: string; readonly value: string }>,
): Record<string, FacetValue[]> {
  const byCount = (a: { count: number; value: unknown }, b: { count: number; value: unknown }): number =>
    b.count - a.count || String(a.value).localeCompare(String(b.value));
  const out: Record<string, FacetValue[]> = {};
  for (const r of requests) {
    const f = r.field;
    if (typeof f === 'object') {
      const products = new Map<string, Set<string>>();
      for (const [value, ids] of Object.entries(counts.attributes[f.attribute] ?? {}))
        products.set(value, new Set(ids));
      for (const e of extra) {
        if (canonicalAttribute(e.attribute) !== f.attribute) continue;
        const value = e.value.toLowerCase();
        products.set(value, (products.get(value) ?? new Set()).add(e.productId));
      }
      out[r.name] = [...products].map(([value, ids]) => ({ value, count: ids.size })).sort(byCount);
    } else if (f === 'price') {
      const rows: FacetValue[] = [];
      for (const [currency, buckets] of Object.entries(counts.price).sort(([a], [b]) => a.localeCompare(b)))
        for (const [i, count] of Object.entries(buckets).sort(([a], [b]) => Number(a) - Number(b)))
          if (count > 0) rows.push({ ...bucket(Number(i)), currency, count });
      out[r.name] = rows;
    } else if (f === 'inStock') {
      out[r.name] = Object.entries(counts.values.inStock ?? {})
        .map(([value, count]) => ({ value: value === 'true', count }))
        .sort(byCount);
    } else {
      out[r.name] = Object.entries(counts.values[f] ?? {})
        .map(([value, count]) => ({ value, count }))
        .sort(byCount);
    }
  }
  return out;
}
