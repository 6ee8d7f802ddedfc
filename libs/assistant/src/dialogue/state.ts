import type { ClearableSlot, Lang, PriceSlot, ProductReference, Slots, SortOrder } from '@vitrine/nlu';

/**
 * The constraints in force, structured. Price bounds are inclusive and in `currency` when it is set; `colour` is
 * matched on the products' `color` attribute; `excludeBrands` are left out of every list.
 */
export interface ChatFilters {
  readonly category?: string;
  readonly colour?: string;
  readonly brand?: string;
  readonly excludeBrands?: readonly string[];
  readonly price?: { readonly min?: number; readonly max?: number };
  readonly currency?: string;
  readonly inStock?: boolean;
}

/** A product as the conversation last showed it (enough to resolve "the cheaper of the two"). */
export interface ShownProduct {
  readonly id: string;
  readonly title: string;
  readonly brand: string | null;
  readonly category: string | null;
  readonly price: { readonly amount: string; readonly currency: string } | null;
  readonly inStock: boolean;
}

/** What the results in force are retrieved from. */
export type SearchSource =
  | { readonly kind: 'text'; readonly words: string }
  | { readonly kind: 'similar'; readonly productId: string; readonly title: string }
  | { readonly kind: 'image'; readonly words?: string };

/** Everything the next turn needs to know about the conversation so far. */
export interface DialogueState {
  readonly lang: Lang;
  readonly filters: ChatFilters;
  readonly sort: SortOrder;
  readonly source?: SearchSource;
  /** The last list shown, in the order shown. */
  readonly shown: readonly ShownProduct[];
  /** Results of {@link source} already shown (pages before and including {@link shown}). */
  readonly offset: number;
  /** The product the conversation is about ("it"): the last one referred to. */
  readonly focus?: ShownProduct;
  /** The products last compared: "the cheaper of the two" after "compare the second and third" means these. */
  readonly compared?: readonly ShownProduct[];
}

export function initialState(lang: Lang): DialogueState {
  return { lang, filters: {}, sort: 'relevance', shown: [], offset: 0 };
}

/** Why references could not be resolved. */
export type ReferenceProblem = 'nothing-shown' | 'out-of-range';

/**
 * The products `references` point at, in order, from the last list shown (and the product in focus for "it").
 * An ordinal beyond the list is a problem, never a guess.
 */
export function resolveReferences(
  state: DialogueState,
  references: readonly ProductReference[],
): { readonly products: ShownProduct[] } | { readonly problem: ReferenceProblem } {
  const products: ShownProduct[] = [];
  for (const ref of references) {
    if (ref.kind === 'focus') {
      const p = state.focus ?? (state.shown.length === 1 ? state.shown[0] : undefined);
      if (!p) return { problem: state.shown.length === 0 ? 'nothing-shown' : 'out-of-range' };
      products.push(p);
      continue;
    }
    if (state.shown.length === 0) return { problem: 'nothing-shown' };
    if (ref.kind === 'ordinal') {
      const p = state.shown[ref.index < 0 ? state.shown.length + ref.index : ref.index];
      if (!p) return { problem: 'out-of-range' };
      products.push(p);
      continue;
    }
    const pool =
      state.compared && (ref.among === undefined || ref.among === state.compared.length)
        ? state.compared
        : state.shown.slice(0, ref.among ?? state.shown.length);
    const among = pool.filter((p) => p.price !== null);
    const currency = among[0]?.price?.currency;
    // Prices in different currencies cannot be ranked without a rate: no answer rather than a wrong one.
    if (among.length === 0 || among.some((p) => p.price?.currency !== currency))
      return { problem: 'out-of-range' };
    const sorted = [...among].sort((a, b) => Number(a.price!.amount) - Number(b.price!.amount));
    products.push(ref.kind === 'cheapest' ? sorted[0]! : sorted[sorted.length - 1]!);
  }
  return { products };
}

/**
 * The constraints after a turn: a new search replaces what describes the product (category, colour, brand and
 * exclusions) and keeps the budget and stock constraints unless restated; a refinement changes only what it names.
 * `cheaper` means below the cheapest product shown (in its currency), `pricier` above the dearest.
 */
export function nextFilters(
  state: DialogueState,
  slots: Slots,
  mode: 'search' | 'refine',
  focus: ShownProduct | undefined,
): ChatFilters {
  const base: ChatFilters =
    mode === 'search'
      ? {
          ...(state.filters.price ? { price: state.filters.price } : {}),
          ...(state.filters.currency ? { currency: state.filters.currency } : {}),
          ...(state.filters.inStock ? { inStock: true } : {}),
        }
      : state.filters;
  let filters: ChatFilters = { ...base };
  for (const slot of slots.clear ?? []) filters = withoutSlot(filters, slot);
  if (slots.category) filters = { ...filters, category: slots.category };
  if (slots.colour) filters = { ...filters, colour: slots.colour };
  if (slots.brand) {
    filters = {
      ...filters,
      brand: slots.brand,
      excludeBrands: (filters.excludeBrands ?? []).filter((b) => b !== slots.brand),
    };
  }
  if (slots.excludeBrand) {
    const brand = slots.excludeBrand === '@focus' ? (focus ?? state.shown[0])?.brand : slots.excludeBrand;
    if (brand) {
      const { brand: kept, ...rest } = filters;
      filters = {
        ...rest,
        ...(kept && kept !== brand ? { brand: kept } : {}),
        excludeBrands: [...new Set([...(filters.excludeBrands ?? []), brand])],
      };
    }
  }
  if (slots.inStock) filters = { ...filters, inStock: true };
  if (slots.price) filters = withPrice(filters, slots.price, state.shown);
  if (filters.excludeBrands?.length === 0) {
    const { excludeBrands: _none, ...rest } = filters;
    filters = rest;
  }
  return filters;
}

function withoutSlot(filters: ChatFilters, slot: ClearableSlot): ChatFilters {
  const f: { -readonly [K in keyof ChatFilters]: ChatFilters[K] } = { ...filters };
  switch (slot) {
    case 'price':
      delete f.price;
      delete f.currency;
      break;
    case 'brand':
      delete f.brand;
      delete f.excludeBrands;
      break;
    case 'colour':
      delete f.colour;
      break;
    case 'inStock':
      delete f.inStock;
      break;
    case 'category':
      delete f.category;
      break;
  }
  return f;
}

function withPrice(filters: ChatFilters, price: PriceSlot, shown: readonly ShownProduct[]): ChatFilters {
  if (price.relative) {
    const priced = shown.filter((p) => p.price !== null);
    const currency = filters.currency ?? priced[0]?.price?.currency;
    const amounts = priced.filter((p) => p.price!.currency === currency).map((p) => Number(p.price!.amount));
    if (!currency || amounts.length === 0) return filters;
    if (price.relative === 'cheaper') {
      const max = Math.round((Math.min(...amounts) - 0.01) * 100) / 100;
      return {
        ...filters,
        currency,
        price: {
          ...(filters.price?.min !== undefined ? { min: filters.price.min } : {}),
          max: Math.max(0, max),
        },
      };
    }
    const min = Math.round((Math.max(...amounts) + 0.01) * 100) / 100;
    return {
      ...filters,
      currency,
      price: {
        ...(filters.price?.max !== undefined && filters.price.max >= min ? { max: filters.price.max } : {}),
        min,
      },
    };
  }
  const bounds = {
    ...(price.min !== undefined ? { min: price.min } : {}),
    ...(price.max !== undefined ? { max: price.max } : {}),
  };
  const { currency: _old, ...rest } = filters;
  return {
    ...rest,
    price: bounds,
    ...(price.currency
      ? { currency: price.currency }
      : filters.currency
        ? { currency: filters.currency }
        : {}),
  };
}

/**
 * Whether a product shown by a search satisfies the hard constraints: checked again on every card, so a product
 * outside the stated price, currency, category, stock or brand constraints is never shown, whatever retrieval did.
 */
export function satisfies(
  product: Pick<ShownProduct, 'brand' | 'category' | 'price' | 'inStock'>,
  filters: ChatFilters,
): boolean {
  if (filters.category !== undefined && product.category !== filters.category) return false;
  if (filters.inStock && !product.inStock) return false;
  if (filters.brand !== undefined && product.brand !== filters.brand) return false;
  if (filters.excludeBrands?.some((b) => b === product.brand)) return false;
  if (filters.price || filters.currency) {
    if (!product.price) return false;
    if (filters.currency && product.price.currency !== filters.currency) return false;
    const amount = Number(product.price.amount);
    if (filters.price?.min !== undefined && amount < filters.price.min) return false;
    if (filters.price?.max !== undefined && amount > filters.price.max) return false;
  }
  return true;
}
