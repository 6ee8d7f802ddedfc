import type { JsonValue, Product } from '@vitrine/catalog';
import type { AttributeName } from '../zero-shot/vocabularies';

/** How an attribute was extracted: pixel statistics (no model) or zero-shot with the CLIP model. */
export type ExtractionSource = 'pixels' | 'zero-shot';

/** One attribute extracted from a product picture. */
export interface ExtractedAttribute {
  readonly attribute: AttributeName;
  readonly value: string;
  /** 0..1: a calibrated probability (zero-shot, when fitted) or the colour's dominance (pixels). */
  readonly confidence: number;
  readonly source: ExtractionSource;
  /** CLIP model id, or the pixel method's id. */
  readonly modelId: string;
  /** Evidence: candidates and their probabilities, colour clusters. */
  readonly details: Readonly<Record<string, JsonValue>>;
}

/** An extracted attribute as stored for a product. */
export interface StoredAttribute extends ExtractedAttribute {
  readonly productId: string;
  /** The product content hash the picture was read under: stale when the product changed since. */
  readonly contentHash: string;
  readonly extractedAt: Date;
}

/**
 * Whether a stored attribute may stand as a fact about `product` (an answer, a description): read under the
 * product's current content, at least `minConfidence` sure, and — for zero-shot values — with a confidence that was
 * calibrated for the model (an uncalibrated softmax is over-confident, and its 0.9 means little) and at or above
 * the attribute's own threshold fitted on held-out data (`details.threshold`; an attribute with no fitted
 * threshold, such as pattern or style without labelled pictures, is never a fact).
 */
export function usableAsFact(
  a: StoredAttribute,
  product: { readonly contentHash: string },
  minConfidence: number,
): boolean {
  return (
    a.contentHash === product.contentHash &&
    a.confidence >= minConfidence &&
    (a.source === 'pixels' ||
      (a.details.calibrated === true &&
        typeof a.details.threshold === 'number' &&
        a.confidence >= a.details.threshold))
  );
}

/** Catalog attribute keys that carry each extracted attribute, in the spellings merchants use. */
export const CATALOG_KEYS: { readonly [A in AttributeName]: readonly string[] } = {
  category: [],
  colour: ['color', 'colour'],
  material: ['material'],
  pattern: ['pattern'],
  style: ['style'],
};

/** A catalog attribute as text, when it is a scalar (or a list of scalars). */
export function attributeText(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return value.join(', ') || undefined;
  return undefined;
}

/** The catalog's value of an attribute (first of its key spellings present). */
export function catalogAttribute(product: Product, attribute: AttributeName): string | undefined {
  if (attribute === 'category') return product.category ?? undefined;
  for (const key of CATALOG_KEYS[attribute]) {
    const v = attributeText(product.attributes[key]);
    if (v) return v;
  }
  return undefined;
}

/**
 * `EUR 12.9` → `EUR 12.90`, `EUR 59.9` → `EUR 59.90` for display: the currency code, then the amount through
 * `Intl.NumberFormat` (two decimals, more when the amount has them; no grouping, so the text reads back as the
 * same number).
 */
export function formatPrice(price: { readonly amount: string | number; readonly currency: string }): string {
  const amount = String(price.amount);
  const decimals = /\.(\d+)$/.exec(amount)?.[1]?.replace(/0+$/, '').length ?? 0;
  const digits = Math.min(20, Math.max(2, decimals));
  const text = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false,
  }).format(Number(amount));
  return `${price.currency} ${text}`;
}
