import { ValidationError } from '@vitrine/core';
import type { ValueCondition, VectorFilter } from '../filter';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unsupported(what: string): never {
  throw new ValidationError(`The Qdrant stand-in cannot translate this filter: ${what}`);
}

/** A Qdrant clause (`must`, `should`, `must_not`) as a list: Qdrant takes one condition or an array. */
function clause(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

const NAMED = new Set(['category', 'brand', 'currency']);
const RANGE_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;

interface KeyCondition {
  readonly key: string;
  readonly condition: ValueCondition;
}

function rangeOf(range: unknown): { gt?: number; gte?: number; lt?: number; lte?: number } {
  if (!isObject(range)) unsupported('range must be an object');
  const out: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const [k, v] of Object.entries(range)) {
    if (v === null || v === undefined) continue;
    if (!(RANGE_KEYS as readonly string[]).includes(k) || typeof v !== 'number')
      unsupported(`range.${k} (only numeric gt/gte/lt/lte)`);
    out[k as (typeof RANGE_KEYS)[number]] = v;
  }
  return out;
}

/** `{ key, match | range }`, the only field conditions QdrantVectorStore sends. */
function fieldCondition(c: Json): KeyCondition {
  const { key, match, range, ...rest } = c;
  if (typeof key !== 'string') unsupported('a condition without a key');
  const extra = Object.entries(rest).filter(([, v]) => v !== null && v !== undefined);
  if (extra.length) unsupported(`condition on ${key} uses ${extra.map(([k]) => k).join(', ')}`);
  if (match !== undefined && range !== undefined) unsupported(`condition on ${key} has both match and range`);
  if (isObject(match)) {
    if ('value' in match && Object.keys(match).length === 1) {
      const v = match.value;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        unsupported(`match.value on ${key}`);
      return { key, condition: v };
    }
    if ('any' in match && Object.keys(match).length === 1 && Array.isArray(match.any)) {
      return { key, condition: { in: match.any as string[] | number[] } };
    }
    unsupported(`match ${Object.keys(match).join(', ')} on ${key}`);
  }
  if (range !== undefined) {
    const r = rangeOf(range);
    // A closed range on one number is how the adapter writes numeric equality (match takes no floats).
    const exact = Object.keys(r).length === 2 && r.gte !== undefined && r.gte === r.lte;
    return { key, condition: exact ? r.gte! : r };
  }
  unsupported(`condition on ${key} without match or range`);
}

/**
 * `{ should: [...] }` inside `must`: the adapter's way of writing "one of these numbers" (Qdrant's `match.any`
 * takes no floats), each alternative a closed range `gte == lte` on the same key.
 */
function numericInSet(filter: Json): KeyCondition {
  const alternatives = clause(filter.should).map((c) =>
    isObject(c) ? fieldCondition(c) : unsupported('a should entry'),
  );
  const key = alternatives[0]?.key;
  const values: number[] = [];
  for (const a of alternatives) {
    if (a.key !== key || typeof a.condition !== 'number')
      unsupported('should alternatives other than exact numbers on one key');
    values.push(a.condition);
  }
  if (key === undefined) unsupported('an empty should');
  return { key, condition: { in: values } };
}

/**
 * Translates a Qdrant filter back into the {@link VectorFilter} it came from: the exact inverse of
 * `toQdrantFilter` (conditions under `must`, excluded ids as `has_id` under `must_not`). Anything the embedded
 * store cannot express is a validation error (HTTP 400), never a filter silently widened or dropped.
 */
export function fromQdrantFilter(filter: unknown): VectorFilter | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (!isObject(filter)) unsupported('must be an object');
  const { must, must_not, should, min_should, ...rest } = filter;
  if (Object.keys(rest).length) unsupported(`unknown keys ${Object.keys(rest).join(', ')}`);
  if (clause(should).length || (min_should !== undefined && min_should !== null))
    unsupported('should at the top level');
  const out: {
    category?: ValueCondition;
    brand?: ValueCondition;
    currency?: ValueCondition;
    price?: ValueCondition;
    inStock?: ValueCondition;
    attributes?: Record<string, ValueCondition>;
    fields?: Record<string, ValueCondition>;
    excludeIds?: string[];
  } = {};
  const seen = new Set<string>();
  for (const c of clause(must)) {
    if (!isObject(c)) unsupported('a must entry');
    const { key, condition } = 'key' in c ? fieldCondition(c) : numericInSet(c);
    if (seen.has(key)) unsupported(`two conditions on ${key}`);
    seen.add(key);
    const [head, ...tail] = key.split('.');
    if (head === 'attributes' && tail.length === 1)
      out.attributes = { ...out.attributes, [tail[0]!]: condition };
    else if (tail.length) unsupported(`nested key ${key}`);
    else if (NAMED.has(key) || key === 'price' || key === 'inStock')
      out[key as 'category' | 'brand' | 'currency' | 'price' | 'inStock'] = condition;
    else out.fields = { ...out.fields, [key]: condition };
  }
  for (const c of clause(must_not)) {
    if (!isObject(c) || !Array.isArray(c.has_id) || Object.keys(c).length !== 1)
      unsupported('must_not other than has_id');
    out.excludeIds = [...(out.excludeIds ?? []), ...c.has_id.map((id) => String(id))];
  }
  // The compile step (compileFilter in the store) checks value types per field, so out's loose types are safe.
  return out as VectorFilter;
}
