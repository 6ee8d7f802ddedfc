import { createHash } from 'node:crypto';
import type { JsonValue, ProductInput } from './product';

/** Bump when the definition below changes: every product then counts as changed once. */
const CONTENT_HASH_VERSION = 'vitrine.product-content.v1';

/** What feeds the embeddings of a product; price, stock and SKU do not. */
export type ContentFields = Pick<
  ProductInput,
  'title' | 'description' | 'brand' | 'category' | 'attributes' | 'images'
>;

/**
 * The one definition of a product's content hash (stored in `products.content_hash`; the indexer keeps the hash
 * its vectors were computed from, so vectors are stale exactly when the two differ).
 *
 * sha256 (hex) of the UTF-8 JSON array
 * `[version, title, description, brand, category, attributes, images]`, where missing optional fields are `null`,
 * `attributes` has its object keys sorted recursively (jsonb does not keep key order, so the hash must not depend on
 * it) and `images` is the list of URIs in display order. Strings are hashed exactly as stored (already trimmed).
 */
export function productContentHash(p: ContentFields): string {
  const canonical = JSON.stringify([
    CONTENT_HASH_VERSION,
    p.title,
    p.description,
    p.brand,
    p.category,
    sortKeys(p.attributes),
    p.images,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function sortKeys(value: JsonValue | Readonly<Record<string, JsonValue>>): JsonValue {
  if (Array.isArray(value)) return value.map((v: JsonValue) => sortKeys(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort())
      out[key] = sortKeys((value as Record<string, JsonValue>)[key]!);
    return out;
  }
  return value;
}
