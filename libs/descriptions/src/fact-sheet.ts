import type { Product } from '@vitrine/catalog';
import {
  attributeText,
  catalogAttribute,
  usableAsFact,
  type AttributeName,
  type StoredAttribute,
} from '@vitrine/attributes';

/** One fact a description may state, with where it came from. */
export interface Fact {
  readonly key: string;
  readonly value: string;
  readonly source: 'catalog' | 'picture';
  /** 1 for catalog facts; the extraction's confidence for facts read from the picture. */
  readonly confidence: number;
  /** For facts from the picture: the model (or pixel method) that read it. */
  readonly modelId?: string;
}

/** Catalog attribute keys that are bookkeeping, not product facts. */
const IGNORED_KEYS = new Set(['popularity', 'color', 'colour', 'material', 'pattern', 'style']);
/** Attributes a description may take from the picture when the catalog lacks them (category never: the catalog's wins). */
const FROM_PICTURE: readonly AttributeName[] = ['colour', 'material', 'pattern', 'style'];

/**
 * What a description may say about a product: its catalog fields (never price or stock) and scalar attributes, plus attributes read
 * from its picture that are usable as facts ({@link usableAsFact}) where the catalog says nothing about them.
 * Nothing else: templates and the remote model are given only these.
 */
export function factSheet(
  product: Product,
  stored: readonly StoredAttribute[],
  minConfidence: number,
): Fact[] {
  const facts: Fact[] = [{ key: 'title', value: product.title, source: 'catalog', confidence: 1 }];
  const add = (key: string, value: string | null | undefined) => {
    if (value) facts.push({ key, value, source: 'catalog', confidence: 1 });
  };
  add('brand', product.brand);
  add('category', product.category);
  // Price and stock are volatile: a description stored as text would go on stating yesterday's price or stock.
  // Pages show them from the catalog, live; descriptions never state them.
  for (const attribute of FROM_PICTURE) {
    const known = catalogAttribute(product, attribute);
    if (known) {
      add(attribute, known);
      continue;
    }
    const best = stored
      .filter((s) => s.attribute === attribute && usableAsFact(s, product, minConfidence))
      .sort(
        (a, b) =>
          Number(b.source === 'pixels') - Number(a.source === 'pixels') || b.confidence - a.confidence,
      )[0];
    if (best) {
      facts.push({
        key: attribute,
        value: best.value,
        source: 'picture',
        confidence: best.confidence,
        modelId: best.modelId,
      });
    }
  }
  for (const [k, v] of Object.entries(product.attributes)) {
    if (IGNORED_KEYS.has(k)) continue;
    add(k, attributeText(v));
  }
  return facts;
}

export function factValue(facts: readonly Fact[], key: string): string | undefined {
  return facts.find((f) => f.key === key)?.value;
}
