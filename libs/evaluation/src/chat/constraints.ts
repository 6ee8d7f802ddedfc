import type { Product } from '@vitrine/catalog';
import type { ChatGoldTurn } from './conversation-set';

/** What the evaluation needs to know of a catalog product (read from the catalog file, not from the reply). */
export interface ChatCatalogItem {
  readonly sku: string;
  readonly category: string | null;
  readonly brand: string | null;
  readonly price: { readonly amount: number; readonly currency: string } | null;
  readonly inStock: boolean;
}

/** The catalog products the evaluation checks replies against, by SKU. */
export function chatCatalog(products: readonly Product[]): Map<string, ChatCatalogItem> {
  return new Map(
    products.map((p) => [
      p.sku,
      {
        sku: p.sku,
        category: p.category,
        brand: p.brand,
        price: p.price ? { amount: Number(p.price.amount), currency: p.price.currency } : null,
        inStock: p.inStock,
      },
    ]),
  );
}

/** The constraints the shopper has stated so far (ground truth, derived from the labelled slots). */
export interface StatedConstraints {
  readonly category?: string;
  readonly brand?: string;
  readonly excludeBrands: readonly string[];
  readonly priceMin?: number;
  readonly priceMax?: number;
  readonly currency?: string;
  readonly inStock?: boolean;
}

export const NO_CONSTRAINTS: StatedConstraints = { excludeBrands: [] };

/** Price (bounds and currency), category and stock are the hard constraints of issue 13; brand is reported apart. */
export const VIOLATION_KINDS = ['price', 'currency', 'category', 'stock', 'brand'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  readonly kind: ViolationKind;
  readonly sku: string;
  readonly detail: string;
}

/**
 * The constraints in force after a turn: a search or a picture sets them to what it states, a refinement changes
 * only what it states, start-over clears them, every other turn keeps them. `"@focus"` in `excludeBrand` ("not that brand")
 * excludes the brand in force, or else `focusBrand` (the brand of the product the conversation is about).
 */
export function constraintsAfter(
  current: StatedConstraints,
  turn: ChatGoldTurn,
  focusBrand?: string | null,
): StatedConstraints {
  if (turn.intent === 'start-over') return NO_CONSTRAINTS;
  // A picture starts a new search from it ("like this but in red"), with what its words state.
  const fresh = turn.intent === 'search' || turn.image !== undefined;
  if (!fresh && turn.intent !== 'refine' && turn.intent !== 'sort') return current;
  const base: StatedConstraints = fresh ? NO_CONSTRAINTS : current;
  const s = turn.slots;
  const next: {
    -readonly [K in keyof StatedConstraints]: StatedConstraints[K];
  } = { ...base, excludeBrands: [...base.excludeBrands] };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  if ('category' in s) next.category = str(s.category);
  if ('brand' in s) next.brand = str(s.brand);
  if ('priceMin' in s) next.priceMin = num(s.priceMin);
  if ('priceMax' in s) next.priceMax = num(s.priceMax);
  if ('currency' in s) next.currency = str(s.currency);
  if ('inStock' in s) next.inStock = s.inStock === true ? true : undefined;
  if (typeof s.excludeBrand === 'string') {
    const excluded = s.excludeBrand === '@focus' ? (base.brand ?? focusBrand ?? undefined) : s.excludeBrand;
    if (excluded) {
      next.excludeBrands = [...next.excludeBrands, excluded];
      if (next.brand?.toLowerCase() === excluded.toLowerCase()) next.brand = undefined;
    }
  }
  return Object.fromEntries(
    Object.entries(next).filter(([, v]) => v !== undefined),
  ) as unknown as StatedConstraints;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Every way each shown product breaks the stated constraints (empty when all hold). */
export function findViolations(c: StatedConstraints, shown: readonly ChatCatalogItem[]): Violation[] {
  const out: Violation[] = [];
  for (const p of shown) {
    const price = p.price ? `${p.price.amount} ${p.price.currency}` : 'no price';
    if (c.currency !== undefined && (p.price === null || !same(p.price.currency, c.currency)))
      out.push({ kind: 'currency', sku: p.sku, detail: `${price}, asked for ${c.currency}` });
    // A product without a price cannot be shown as within a stated bound.
    if (c.priceMax !== undefined && (p.price === null || p.price.amount > c.priceMax))
      out.push({ kind: 'price', sku: p.sku, detail: `${price}, asked for at most ${c.priceMax}` });
    if (c.priceMin !== undefined && (p.price === null || p.price.amount < c.priceMin))
      out.push({ kind: 'price', sku: p.sku, detail: `${price}, asked for at least ${c.priceMin}` });
    if (c.category !== undefined && (p.category === null || !same(p.category, c.category)))
      out.push({
        kind: 'category',
        sku: p.sku,
        detail: `${p.category ?? 'no category'}, asked for ${c.category}`,
      });
    if (c.inStock === true && !p.inStock) out.push({ kind: 'stock', sku: p.sku, detail: 'out of stock' });
    if (c.brand !== undefined && (p.brand === null || !same(p.brand, c.brand)))
      out.push({ kind: 'brand', sku: p.sku, detail: `${p.brand ?? 'no brand'}, asked for ${c.brand}` });
    const excluded = c.excludeBrands.find((b) => p.brand !== null && same(p.brand, b));
    if (excluded !== undefined) out.push({ kind: 'brand', sku: p.sku, detail: `${excluded} was excluded` });
  }
  return out;
}
