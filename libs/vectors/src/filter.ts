import { ValidationError } from '@vitrine/core';
import { normalizeId } from './ids';

/** Bounds of a numeric range; at least one must be set. */
export interface NumericRange {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** Membership in a set of strings or numbers. An empty set matches nothing. */
export interface InSet {
  readonly in: readonly string[] | readonly number[];
}

/** A condition on one payload value: equality with a scalar, membership in a set, or a numeric range. */
export type ValueCondition = string | number | boolean | InSet | NumericRange;

/**
 * Conditions on a product's payload, all of which must hold (AND). A point lacking a field never matches a
 * condition on it. Values compare with their JSON type: `"42"` does not match `42`.
 *
 * @example `{ category: { in: ['shoes', 'bags'] }, price: { gte: 10, lte: 100 }, inStock: true,
 *            attributes: { color: 'red' }, excludeIds: [productId] }`
 */
export interface VectorFilter {
  readonly category?: string | { readonly in: readonly string[] };
  readonly brand?: string | { readonly in: readonly string[] };
  readonly currency?: string | { readonly in: readonly string[] };
  readonly price?: number | NumericRange;
  readonly inStock?: boolean;
  /** Conditions on `attributes.<key>`. Keys are letters, digits, `_` and `-`. */
  readonly attributes?: Readonly<Record<string, ValueCondition>>;
  /** Conditions on other top-level payload fields (sku, modelId, contentHash, ...). */
  readonly fields?: Readonly<Record<string, ValueCondition>>;
  /** Points never returned, e.g. the product itself in "similar products". */
  readonly excludeIds?: readonly string[];
}

/** One condition of a compiled filter; `path` is the payload key path (`['attributes', 'color']`). */
export type Condition =
  | { readonly kind: 'eq'; readonly path: readonly string[]; readonly value: string | number | boolean }
  | {
      readonly kind: 'in';
      readonly path: readonly string[];
      readonly values: readonly string[] | readonly number[];
    }
  | { readonly kind: 'range'; readonly path: readonly string[]; readonly range: NumericRange };

/** A validated filter in the shape both adapters translate from. */
export interface CompiledFilter {
  readonly conditions: readonly Condition[];
  /** Normalised (lower-case) ids to leave out. */
  readonly excludeIds: readonly string[];
  /** True when no point can match (an empty `in` set): adapters answer without scanning. */
  readonly matchesNothing: boolean;
}

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const TOP_LEVEL_KEYS = new Set<keyof VectorFilter>([
  'category',
  'brand',
  'currency',
  'price',
  'inStock',
  'attributes',
  'fields',
  'excludeIds',
]);
const RANGE_KEYS = new Set(['gt', 'gte', 'lt', 'lte']);
/** Fields with a dedicated filter key; `fields` must not shadow them with another meaning. */
const NAMED_FIELDS = new Set(['category', 'brand', 'currency', 'price', 'inStock', 'attributes']);

function fail(message: string, details?: Record<string, unknown>): never {
  throw new ValidationError(`Invalid filter: ${message}`, details);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function compileValue(
  path: readonly string[],
  c: unknown,
  allowed: 'string' | 'number' | 'boolean' | 'any',
): Condition {
  const where = path.join('.');
  if (typeof c === 'string' || typeof c === 'boolean' || typeof c === 'number') {
    if (allowed !== 'any' && typeof c !== allowed) fail(`${where} must be a ${allowed}`);
    if (typeof c === 'number' && !Number.isFinite(c)) fail(`${where} must be a finite number`);
    return { kind: 'eq', path, value: c };
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) fail(`${where} has an unsupported condition`);
  const keys = Object.keys(c);
  if (keys.length === 1 && keys[0] === 'in') {
    const values = (c as InSet).in;
    if (!Array.isArray(values)) fail(`${where}.in must be an array`);
    const strings = values.every((v) => typeof v === 'string');
    const numbers = values.every(isFiniteNumber);
    if (!strings && !numbers) fail(`${where}.in must hold only strings or only finite numbers`);
    if (allowed === 'boolean' || (allowed === 'string' && !strings) || (allowed === 'number' && !numbers))
      fail(`${where}.in must hold ${allowed}s`);
    return { kind: 'in', path, values: [...values] as string[] | number[] };
  }
  if (keys.length > 0 && keys.every((k) => RANGE_KEYS.has(k))) {
    if (allowed === 'string' || allowed === 'boolean') fail(`${where} cannot take a range`);
    const r = c as NumericRange;
    for (const k of keys) {
      if (!isFiniteNumber(r[k as keyof NumericRange])) fail(`${where}.${k} must be a finite number`);
    }
    return { kind: 'range', path, range: { ...r } };
  }
  fail(`${where} must be a value, { in: [...] } or a range with gt/gte/lt/lte`, { keys });
}

function compileMap(prefix: readonly string[], map: unknown, out: Condition[]): void {
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    fail(`${prefix.join('.') || 'fields'} must be an object`);
  for (const [key, cond] of Object.entries(map)) {
    if (!KEY.test(key)) fail(`key "${key}" must match ${KEY.source}`);
    if (prefix.length === 0 && NAMED_FIELDS.has(key))
      fail(`filter ${key} with its own key, not through fields`);
    if (cond === undefined) continue;
    out.push(compileValue([...prefix, key], cond, 'any'));
  }
}

/**
 * Validates a {@link VectorFilter} and turns it into the flat list of conditions both adapters translate.
 * Unknown keys are rejected rather than ignored, so a typo can never silently widen results.
 */
export function compileFilter(filter: VectorFilter | undefined): CompiledFilter {
  if (filter === undefined) return { conditions: [], excludeIds: [], matchesNothing: false };
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) fail('must be an object');
  for (const key of Object.keys(filter)) {
    if (!TOP_LEVEL_KEYS.has(key as keyof VectorFilter)) fail(`unknown key "${key}"`);
  }
  const conditions: Condition[] = [];
  if (filter.category !== undefined) conditions.push(compileValue(['category'], filter.category, 'string'));
  if (filter.brand !== undefined) conditions.push(compileValue(['brand'], filter.brand, 'string'));
  if (filter.currency !== undefined) conditions.push(compileValue(['currency'], filter.currency, 'string'));
  if (filter.price !== undefined) conditions.push(compileValue(['price'], filter.price, 'number'));
  if (filter.inStock !== undefined) {
    if (typeof filter.inStock !== 'boolean') fail('inStock must be a boolean');
    conditions.push({ kind: 'eq', path: ['inStock'], value: filter.inStock });
  }
  if (filter.attributes !== undefined) compileMap(['attributes'], filter.attributes, conditions);
  if (filter.fields !== undefined) compileMap([], filter.fields, conditions);
  let excludeIds: string[] = [];
  if (filter.excludeIds !== undefined) {
    if (!Array.isArray(filter.excludeIds)) fail('excludeIds must be an array of ids');
    excludeIds = filter.excludeIds.map((id) => normalizeId(id));
  }
  const matchesNothing = conditions.some((c) => c.kind === 'in' && c.values.length === 0);
  return { conditions, excludeIds, matchesNothing };
}

/** Reads the value at `path` of a payload, or undefined. */
export function valueAt(payload: unknown, path: readonly string[]): unknown {
  let v: unknown = payload;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function scalarMatches(c: Condition, v: unknown): boolean {
  switch (c.kind) {
    case 'eq':
      return v === c.value;
    case 'in':
      return (c.values as readonly unknown[]).includes(v);
    case 'range': {
      if (typeof v !== 'number') return false;
      const r = c.range;
      return (
        (r.gt === undefined || v > r.gt) &&
        (r.gte === undefined || v >= r.gte) &&
        (r.lt === undefined || v < r.lt) &&
        (r.lte === undefined || v <= r.lte)
      );
    }
  }
}

/**
 * Whether one condition holds for a payload. An array value matches when any element does, as in Qdrant.
 */
export function conditionMatches(c: Condition, payload: unknown): boolean {
  const v = valueAt(payload, c.path);
  if (Array.isArray(v)) return v.some((e) => scalarMatches(c, e));
  return scalarMatches(c, v);
}
