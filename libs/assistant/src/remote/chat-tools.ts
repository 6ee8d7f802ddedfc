import { z } from 'zod';
import { DomainError } from '@vitrine/core';
import type { Product, ProductCard } from '@vitrine/catalog';
import type { ChatTool } from '@vitrine/chat';
import type { SearchFilters, SearchOptions, SearchPage } from '@vitrine/search';
import type { VqaAnswer } from '@vitrine/vqa';
import { describeFilters, formatMoney } from '../dialogue/replies';
import { satisfies, type ChatFilters } from '../dialogue/state';
import { COLOURS_EN } from '@vitrine/nlu';
import { SORT_ORDERS, type Lang, type SortOrder, type Vocabulary } from '@vitrine/nlu';
import type { ReplyFacts } from './checked-reply';

/** Products one search or similar call returns to the model, at most. */
export const MAX_TOOL_RESULTS = 10;
/** Candidates read per call, to re-check the constraints over and sort. */
const CANDIDATES = 50;
/** Description characters sent to the model (and kept as facts): enough for specs, not a page. */
const DESCRIPTION_CHARS = 400;

const productId = z.guid().describe('a productId from a tool result or from the list the customer sees');

/** The arguments of each tool; unknown fields are refused so the model cannot believe a filter applied. */
const SCHEMAS = {
  search: z
    .strictObject({
      query: z.string().trim().min(1).max(200).describe('what to look for, in words'),
      category: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .describe('a catalog category, as CATEGORIES spell it'),
      brand: z.string().trim().min(1).max(100).optional().describe('a catalog brand'),
      colour: z.string().trim().min(1).max(40).optional().describe('an English colour name, e.g. "red"'),
      minPrice: z.number().min(0).max(10_000_000).optional(),
      maxPrice: z.number().min(0).max(10_000_000).optional(),
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as EUR')
        .optional(),
      inStock: z.boolean().optional().describe('only products in stock'),
      sort: z.enum(SORT_ORDERS).optional(),
      limit: z.int().min(1).max(MAX_TOOL_RESULTS).optional().describe('products to return, default 5'),
    })
    .refine((a) => a.minPrice === undefined || a.maxPrice === undefined || a.minPrice <= a.maxPrice, {
      message: 'minPrice must not exceed maxPrice',
      path: ['minPrice'],
    }),
  product_detail: z.strictObject({ productId }),
  ask: z.strictObject({ productId }),
  similar: z.strictObject({
    productId,
    limit: z.int().min(1).max(MAX_TOOL_RESULTS).optional().describe('products to return, default 5'),
  }),
} as const;

export type ToolName = keyof typeof SCHEMAS;
export const TOOL_NAMES = Object.keys(SCHEMAS) as ToolName[];
type ArgsOf<N extends ToolName> = z.infer<(typeof SCHEMAS)[N]>;
export type ToolCallRequest = { [N in ToolName]: { readonly name: N; readonly args: ArgsOf<N> } }[ToolName];

const DESCRIPTIONS: Record<ToolName, string> = {
  search:
    "Search the catalog by words and filters. The customer's constraints (CONSTRAINTS) are always applied on top of yours.",
  product_detail: 'The catalog card and facts (attributes, description) of one product.',
  ask:
    'Ask product Q&A the customer\'s question about one product; its answer (which may be "I can\'t tell") is ' +
    'shown to the customer verbatim.',
  similar: "Products that look like a given product (never itself), under the customer's constraints.",
};

/** The four tools as the model is offered them (OpenAI `tools`, JSON Schema parameters). */
export const CHAT_TOOLS: readonly ChatTool[] = TOOL_NAMES.map((name) => {
  const { $schema: _drop, ...parameters } = z.toJSONSchema(SCHEMAS[name]) as Record<string, unknown>;
  return { name, description: DESCRIPTIONS[name], parameters };
});

/**
 * Parses and validates one tool call the model asked for: the tool must exist, its arguments must be a JSON object
 * that the tool's schema accepts (no unknown field, values in range). The error is a sentence for the model.
 */
export function parseToolCall(
  name: string,
  rawArguments: string,
): { readonly call: ToolCallRequest } | { readonly error: string } {
  if (!Object.hasOwn(SCHEMAS, name))
    return { error: `unknown tool "${name.slice(0, 60)}"; the tools are ${TOOL_NAMES.join(', ')}` };
  let json: unknown;
  try {
    json = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch {
    return { error: `the arguments of ${name} are not valid JSON` };
  }
  const parsed = SCHEMAS[name as ToolName].safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message,
    );
    return { error: `invalid arguments for ${name}: ${problems.join('; ')}` };
  }
  return { call: { name, args: parsed.data } as ToolCallRequest };
}

/** What the tools need of search, the catalog and product Q&A (the chat's own ports satisfy these). */
export interface ToolDependencies {
  readonly search: {
    searchText(request: { query: string } & SearchOptions): Promise<SearchPage>;
    similar(productId: string, options?: SearchOptions): Promise<SearchPage>;
  };
  readonly catalog: {
    getByIds(ids: readonly string[]): Promise<Product[]>;
    cards(ids: readonly string[]): Promise<ProductCard[]>;
  };
  readonly questions: { askAboutProduct(productId: string, question: string): Promise<VqaAnswer> };
}

/** One turn's setting: the hard constraints in force and the shopper's own question. */
export interface ToolTurn {
  /** The constraints the shopper stated (the embedded parser's filters in force): applied to every product. */
  readonly filters: ChatFilters;
  /** Asked as is by `ask`: the model chooses the product, never the question (an abstention stays one). */
  readonly question: string;
  readonly lang: Lang;
  readonly vocabulary: Vocabulary;
}

/** A product a tool returned to the model, with the facts the model was given about it. */
export interface ToolProduct {
  readonly card: ProductCard & { readonly score?: number };
  readonly product: Product;
}

/** A product question `ask` put to product Q&A, and its answer as given. */
export interface ToolAnswer {
  readonly productId: string;
  readonly title: string;
  readonly answer: VqaAnswer;
}

/**
 * The tools of one turn, run for a remote model: each call is validated, runs the existing services under the
 * shopper's hard constraints, and is recorded; the records are the only facts the model's reply may use and the
 * only products the turn may show. A call the model got wrong (unknown tool, bad arguments, an unknown product, a
 * product outside the constraints) is an `error` result for the model, never an exception.
 */
export class ChatToolbox {
  private readonly found = new Map<string, ToolProduct>();
  /** Products returned by search or similar (a list), as opposed to detail and ask (one product). */
  private listed = false;
  readonly answers: ToolAnswer[] = [];
  /** Calls made, by tool name, in order (for logs and tests). */
  readonly calls: string[] = [];

  constructor(
    private readonly deps: ToolDependencies,
    private readonly turn: ToolTurn,
  ) {}

  /** Every product the tools returned, in the order first returned. */
  get products(): readonly ToolProduct[] {
    return [...this.found.values()];
  }

  /** Whether a search or similar call returned products (the turn shows a new list). */
  get returnedList(): boolean {
    return this.listed;
  }

  /** Runs one call; the result is what the model is sent back (JSON). */
  async call(name: string, rawArguments: string): Promise<Record<string, unknown>> {
    this.calls.push(name);
    const parsed = parseToolCall(name, rawArguments);
    if ('error' in parsed) return { error: parsed.error };
    try {
      switch (parsed.call.name) {
        case 'search':
          return await this.search(parsed.call.args);
        case 'product_detail':
          return await this.detail(parsed.call.args.productId);
        case 'ask':
          return await this.ask(parsed.call.args.productId);
        case 'similar':
          return await this.similar(parsed.call.args.productId, parsed.call.args.limit);
      }
    } catch (error) {
      // A product that is gone or not indexed is the model's to handle; anything else fails the turn's plan.
      if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'CONFLICT'))
        return { error: error.message };
      throw error;
    }
  }

  /** The facts of every tool result of the turn, for the claim check. */
  facts(): ReplyFacts {
    return {
      constraints: describeFilters(this.turn.filters, this.turn.lang),
      catalogBrands: this.turn.vocabulary.brands,
      products: this.products.map(({ card, product }) => factsOf(card, product)),
    };
  }

  private async search(args: ArgsOf<'search'>): Promise<Record<string, unknown>> {
    const vocabulary = this.turn.vocabulary;
    const category = args.category === undefined ? undefined : spelled(args.category, vocabulary.categories);
    if (category === null)
      return {
        error: `unknown category "${args.category}"; the categories are ${vocabulary.categories.join(', ')}`,
      };
    const brand = args.brand === undefined ? undefined : spelled(args.brand, vocabulary.brands);
    if (brand === null) return { error: `unknown brand "${args.brand}"` };
    const colour = args.colour?.toLowerCase();
    if (colour !== undefined && !(COLOURS_EN as readonly string[]).includes(colour))
      return { error: `unknown colour "${args.colour}"; use an English colour name such as red or blue` };
    const filters = narrowed(this.turn.filters, {
      ...(category ? { category } : {}),
      ...(brand ? { brand } : {}),
      ...(colour ? { colour } : {}),
      ...(args.minPrice !== undefined || args.maxPrice !== undefined
        ? {
            price: {
              ...(args.minPrice !== undefined ? { min: args.minPrice } : {}),
              ...(args.maxPrice !== undefined ? { max: args.maxPrice } : {}),
            },
          }
        : {}),
      ...(args.currency ? { currency: args.currency.toUpperCase() } : {}),
      ...(args.inStock ? { inStock: true } : {}),
    });
    if (!filters)
      return {
        products: [],
        note: "no product can match: the price range asked lies outside the customer's",
      };
    const query = [filters.colour, args.query].filter(Boolean).join(' ');
    const page = await this.deps.search.searchText({
      query,
      filters: toSearchFilters(filters),
      limit: CANDIDATES,
      // The closest products within the shopper's constraints, as before the relevance cutoff: the model reads them.
      relevanceCutoff: false,
    });
    const kept = await this.keep(page, filters, args.sort ?? 'relevance', args.limit ?? 5);
    return { constraints: describeFilters(filters, this.turn.lang), products: kept };
  }

  private async similar(id: string, limit: number | undefined): Promise<Record<string, unknown>> {
    const filters = this.turn.filters;
    const page = await this.deps.search.similar(id, { filters: toSearchFilters(filters), limit: CANDIDATES });
    const kept = await this.keep(page, filters, 'relevance', limit ?? 5);
    return { constraints: describeFilters(filters, this.turn.lang), products: kept };
  }

  private async detail(id: string): Promise<Record<string, unknown>> {
    const one = await this.one(id);
    if ('error' in one) return one;
    return { product: factsFor(one) };
  }

  private async ask(id: string): Promise<Record<string, unknown>> {
    const one = await this.one(id);
    if ('error' in one) return one;
    const answer = await this.deps.questions.askAboutProduct(id, this.turn.question);
    this.answers.push({ productId: id, title: one.card.title, answer });
    return {
      productId: id,
      title: one.card.title,
      question: this.turn.question,
      answered: answer.answered,
      answer: answer.answer,
    };
  }

  /** One product by id, if it exists and satisfies the constraints; recorded as found. */
  private async one(id: string): Promise<ToolProduct | { error: string }> {
    const [[card], [product]] = await Promise.all([
      this.deps.catalog.cards([id]),
      this.deps.catalog.getByIds([id]),
    ]);
    if (!card || !product) return { error: `no product ${id} in the catalog` };
    if (!allowed(card, product, this.turn.filters))
      return {
        error: `product ${id} is outside the customer's constraints (${describeFilters(this.turn.filters, 'en')}); do not offer it`,
      };
    const found = this.found.get(id) ?? { card, product };
    this.found.set(id, found);
    return found;
  }

  /** The results that satisfy the constraints (checked again on each product), sorted, recorded as found. */
  private async keep(
    page: SearchPage,
    filters: ChatFilters,
    sort: SortOrder,
    limit: number,
  ): Promise<readonly Record<string, unknown>[]> {
    const cards = page.items.filter((card) => satisfies(card, filters));
    const products = new Map(
      (await this.deps.catalog.getByIds(cards.map((c) => c.id))).map((p) => [p.id, p]),
    );
    const kept: ToolProduct[] = [];
    for (const card of sorted(cards, sort)) {
      const product = products.get(card.id);
      if (product && allowed(card, product, filters)) kept.push({ card, product });
      if (kept.length === limit) break;
    }
    for (const k of kept) if (!this.found.has(k.card.id)) this.found.set(k.card.id, k);
    if (kept.length > 0) this.listed = true;
    return kept.map(factsFor);
  }
}

/**
 * The model's filters inside the shopper's: the shopper's category, brand, colour, currency and stock win, price
 * bounds intersect, exclusions add up. Null when the two cannot both hold (an empty price range).
 */
export function narrowed(hard: ChatFilters, asked: ChatFilters): ChatFilters | null {
  const mins = [hard.price?.min, asked.price?.min].filter((v): v is number => v !== undefined);
  const maxes = [hard.price?.max, asked.price?.max].filter((v): v is number => v !== undefined);
  const min = mins.length > 0 ? Math.max(...mins) : undefined;
  const max = maxes.length > 0 ? Math.min(...maxes) : undefined;
  if (min !== undefined && max !== undefined && min > max) return null;
  const category = hard.category ?? asked.category;
  const brand = hard.brand ?? asked.brand;
  const colour = hard.colour ?? asked.colour;
  const currency = hard.currency ?? asked.currency;
  const excludeBrands = [...(hard.excludeBrands ?? []), ...(asked.excludeBrands ?? [])];
  return {
    ...(category ? { category } : {}),
    ...(brand ? { brand } : {}),
    ...(colour ? { colour } : {}),
    ...(excludeBrands.length > 0 ? { excludeBrands } : {}),
    ...(min !== undefined || max !== undefined
      ? { price: { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) } }
      : {}),
    ...(currency ? { currency } : {}),
    ...(hard.inStock || asked.inStock ? { inStock: true } : {}),
  };
}

/** The hard constraints on a product: {@link satisfies}, and a colour constraint met by the listed colour. */
function allowed(card: ProductCard, product: Product, filters: ChatFilters): boolean {
  if (!satisfies(card, filters)) return false;
  if (!filters.colour) return true;
  const listed = product.attributes.color;
  return typeof listed === 'string' && listed.toLowerCase() === filters.colour;
}

function toSearchFilters(f: ChatFilters): SearchFilters {
  return {
    ...(f.category ? { category: f.category } : {}),
    ...(f.brand ? { brand: f.brand } : {}),
    ...(f.price ? { price: f.price } : {}),
    ...(f.currency ? { currency: f.currency } : {}),
    ...(f.inStock ? { inStock: true } : {}),
    ...(f.colour ? { attributes: { color: f.colour } } : {}),
  };
}

function sorted<T extends ProductCard>(cards: readonly T[], sort: SortOrder): readonly T[] {
  if (sort === 'relevance') return cards;
  const sign = sort === 'price-asc' ? 1 : -1;
  return [...cards].sort((a, b) => {
    if (!a.price || !b.price) return a.price ? -1 : b.price ? 1 : 0;
    return sign * (Number(a.price.amount) - Number(b.price.amount));
  });
}

/** The catalog's spelling of a category or brand the model named (case-insensitive), null when there is none. */
function spelled(value: string, known: readonly string[]): string | null {
  const v = value.toLowerCase();
  return known.find((k) => k.toLowerCase() === v) ?? null;
}

function factsOf(card: ProductCard, product: Product): ReplyFacts['products'][number] {
  return {
    title: card.title,
    brand: card.brand,
    category: card.category,
    price: card.price ? formatMoney(card.price) : null,
    inStock: card.inStock,
    attributes: Object.fromEntries(
      Object.entries(product.attributes).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ),
    description: product.description ? product.description.slice(0, DESCRIPTION_CHARS) : null,
  };
}

/** A product as a tool result shows it to the model: its id and exactly the facts the reply is checked against. */
function factsFor({ card, product }: ToolProduct): Record<string, unknown> {
  return { productId: card.id, ...factsOf(card, product) };
}
