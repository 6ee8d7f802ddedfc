import type { Schemas } from './qdrant-client';
import type { CompiledFilter, Condition } from '../filter';

type QdrantCondition = Schemas['Condition'];

function exactNumber(key: string, value: number): Schemas['FieldCondition'] {
  // Qdrant's match value takes strings, integers and booleans, not floats: a closed range matches any number.
  return { key, range: { gte: value, lte: value } };
}

function translate(c: Condition): QdrantCondition {
  const key = c.path.join('.');
  switch (c.kind) {
    case 'eq':
      return typeof c.value === 'number' ? exactNumber(key, c.value) : { key, match: { value: c.value } };
    case 'in':
      if (c.values.length > 0 && typeof c.values[0] === 'number') {
        return { should: (c.values as readonly number[]).map((v) => exactNumber(key, v)) };
      }
      return { key, match: { any: [...(c.values as readonly string[])] } };
    case 'range':
      return { key, range: { ...c.range } };
  }
}

/**
 * Qdrant filter JSON for a compiled filter: every condition under `must` (payload keys as dotted paths,
 * e.g. `attributes.color`), excluded ids as one `has_id` under `must_not`. Undefined when there is nothing to
 * filter. Callers answer `matchesNothing` filters themselves (an empty `any` is not a "match nothing" in every
 * Qdrant version).
 */
export function toQdrantFilter(filter: CompiledFilter): Schemas['Filter'] | undefined {
  const must = filter.conditions.map(translate);
  const out: Schemas['Filter'] = {};
  if (must.length) out.must = must;
  if (filter.excludeIds.length) out.must_not = [{ has_id: [...filter.excludeIds] }];
  return must.length || filter.excludeIds.length ? out : undefined;
}
