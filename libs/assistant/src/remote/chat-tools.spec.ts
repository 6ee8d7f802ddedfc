import { NotFoundError } from '@vitrine/core';
import type { Product, ProductCard } from '@vitrine/catalog';
import type { SearchOptions, SearchPage } from '@vitrine/search';
import type { VqaAnswer } from '@vitrine/vqa';
import type { ChatFilters } from '../dialogue/state';
import { CHAT_TOOLS, ChatToolbox, narrowed, parseToolCall, type ToolDependencies } from './chat-tools';
import { toolReply } from './tool-planner';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function card(n: number, title: string, amount: string, over: Partial<ProductCard> = {}): ProductCard {
  return {
    id: id(n),
    sku: `SKU-${n}`,
    title,
    brand: 'Kicklab',
    category: 'Shoes',
    price: { amount, currency: 'EUR' },
    inStock: true,
    image: null,
    ...over,
  };
}

const CATALOG = [
  card(1, 'Red Runner', '45.00', { brand: 'Kicklab' }),
  card(2, 'Blue Runner', '30.00', { brand: 'Stridewell' }),
  card(3, 'Pricey Boot', '120.00'),
  card(4, 'Sold-out Sneaker', '25.00', { inStock: false }),
  card(5, 'City Backpack', '15.00', { category: 'Bags' }),
];
const COLOURS: Record<string, string> = { [id(1)]: 'red', [id(2)]: 'blue' };

function product(c: ProductCard): Product {
  return {
    id: c.id,
    sku: c.sku,
    title: c.title,
    description: `${c.title} with a rubber sole.`,
    brand: c.brand,
    category: c.category,
    price: c.price,
    inStock: c.inStock,
    attributes: COLOURS[c.id] ? { color: COLOURS[c.id]! } : {},
    images: [],
    contentHash: 'x',
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

const ABSTENTION: VqaAnswer = {
  answer: "I can't tell whether it contains allergens: neither the catalog nor the picture can settle it.",
  value: null,
  answered: false,
  confidence: 0,
  source: 'none',
  questionType: 'unknowable',
  explanation: 'unknowable',
} as unknown as VqaAnswer;

/** A search that ignores every filter: the tools must hold the shopper's constraints themselves. */
function setup(filters: ChatFilters = {}, question = 'is it gluten free?') {
  const searched: ({ query?: string; productId?: string } & SearchOptions)[] = [];
  const asked: { productId: string; question: string }[] = [];
  const page = (): SearchPage => ({
    queryId: 'q',
    total: CATALOG.length,
    totalRelation: 'eq',
    items: CATALOG.map((c, i) => ({ ...c, score: 1 - i / 10 })),
    nextCursor: null,
    reranker: 'none',
  });
  const deps: ToolDependencies = {
    search: {
      searchText: (request) => {
        searched.push(request);
        return Promise.resolve(page());
      },
      similar: (productId, options = {}) => {
        searched.push({ productId, ...options });
        if (productId === id(9)) return Promise.reject(new NotFoundError('product', productId));
        return Promise.resolve({ ...page(), items: page().items.filter((c) => c.id !== productId) });
      },
    },
    catalog: {
      cards: (ids) => Promise.resolve(CATALOG.filter((c) => ids.includes(c.id))),
      getByIds: (ids) => Promise.resolve(CATALOG.filter((c) => ids.includes(c.id)).map(product)),
    },
    questions: {
      askAboutProduct: (productId, q) => {
        asked.push({ productId, question: q });
        return Promise.resolve(ABSTENTION);
      },
    },
  };
  const toolbox = new ChatToolbox(deps, {
    filters,
    question,
    lang: 'en',
    vocabulary: { brands: ['Kicklab', 'Stridewell'], categories: ['Shoes', 'Bags'] },
  });
  return { toolbox, searched, asked };
}

const titles = (result: Record<string, unknown>) =>
  (result.products as { title: string }[]).map((p) => p.title);

describe('parseToolCall: every tool call is validated before it runs', () => {
  it.each([
    [
      'an unknown tool',
      'checkout',
      '{}',
      /unknown tool "checkout"; the tools are search, product_detail, ask, similar/,
    ],
    ['arguments that are not JSON', 'search', '{"query": "shoes"', /arguments of search are not valid JSON/],
    ['arguments that are not an object', 'search', '"shoes"', /invalid arguments for search/],
    ['a missing query', 'search', '{}', /query: .*expected string/],
    ['an empty query', 'search', '{"query": "  "}', /query: Too small/],
    ['an unknown field', 'search', '{"query": "shoes", "color": "red"}', /Unrecognized key: "color"/],
    ['a negative price', 'search', '{"query": "shoes", "maxPrice": -5}', /maxPrice: Too small/],
    ['a price as text', 'search', '{"query": "shoes", "maxPrice": "50"}', /maxPrice: .*expected number/],
    [
      'an inverted range',
      'search',
      '{"query": "x", "minPrice": 80, "maxPrice": 50}',
      /minPrice must not exceed/,
    ],
    ['too many results', 'search', '{"query": "shoes", "limit": 50}', /limit: Too big/],
    ['a fractional limit', 'similar', `{"productId": "${id(1)}", "limit": 2.5}`, /limit: .*expected int/],
    ['an unknown sort', 'search', '{"query": "shoes", "sort": "newest"}', /sort: Invalid option/],
    ['a currency that is no code', 'search', '{"query": "shoes", "currency": "euro"}', /ISO 4217/],
    ['a product id that is no id', 'product_detail', '{"productId": "the second one"}', /productId: Invalid/],
    [
      'a question for ask',
      'ask',
      `{"productId": "${id(1)}", "question": "is it red?"}`,
      /Unrecognized key: "question"/,
    ],
  ])('refuses %s', (_what, name, args, message) => {
    const parsed = parseToolCall(name, args);
    expect(parsed).toEqual({ error: expect.stringMatching(message) as string });
  });

  it('accepts well-formed calls, with empty arguments read as {}', () => {
    expect(
      parseToolCall('search', '{"query": "red shoes", "maxPrice": 50, "currency": "EUR", "limit": 3}'),
    ).toEqual({
      call: { name: 'search', args: { query: 'red shoes', maxPrice: 50, currency: 'EUR', limit: 3 } },
    });
    expect(parseToolCall('ask', `{"productId": "${id(1)}"}`)).toEqual({
      call: { name: 'ask', args: { productId: id(1) } },
    });
    expect(parseToolCall('product_detail', '')).toEqual({
      error: expect.stringMatching(/productId/) as string,
    });
  });

  it('offers the four tools with closed JSON schemas', () => {
    expect(CHAT_TOOLS.map((t) => t.name)).toEqual(['search', 'product_detail', 'ask', 'similar']);
    for (const tool of CHAT_TOOLS) {
      expect(tool.parameters).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.parameters).not.toHaveProperty('$schema');
    }
    expect(CHAT_TOOLS[0]!.parameters).toMatchObject({ required: ['query'] });
  });
});

describe('narrowed: the model may narrow the shopper’s constraints, never widen them', () => {
  it('keeps the shopper’s category, currency and stock, and intersects price bounds', () => {
    expect(
      narrowed(
        { category: 'Shoes', price: { max: 50 }, currency: 'EUR', inStock: true },
        { category: 'Bags', price: { min: 10, max: 500 }, currency: 'USD', brand: 'Kicklab' },
      ),
    ).toEqual({
      category: 'Shoes',
      brand: 'Kicklab',
      price: { min: 10, max: 50 },
      currency: 'EUR',
      inStock: true,
    });
  });

  it('is null when the two price ranges do not meet', () => {
    expect(narrowed({ price: { max: 50 } }, { price: { min: 60 } })).toBeNull();
  });
});

describe('ChatToolbox: tools run under the shopper’s constraints', () => {
  it('search never returns a product outside the stated price, currency or stock, whatever the model asked', async () => {
    const { toolbox, searched } = setup({ price: { max: 50 }, currency: 'EUR', inStock: true });
    const result = await toolbox.call('search', '{"query": "shoes", "maxPrice": 1000}');
    expect(searched[0]!.filters).toMatchObject({ price: { max: 50 }, currency: 'EUR', inStock: true });
    expect(titles(result)).toEqual(['Red Runner', 'Blue Runner', 'City Backpack']);
    expect(toolbox.products.map((p) => p.card.title)).toEqual(['Red Runner', 'Blue Runner', 'City Backpack']);
  });

  it('search takes the model’s own filters, in the catalog’s spelling, sorted and limited as asked', async () => {
    const { toolbox } = setup({ price: { max: 100 } });
    const result = await toolbox.call(
      'search',
      '{"query": "runner", "category": "shoes", "sort": "price-asc", "limit": 2}',
    );
    expect(result.constraints).toBe('Shoes, at most 100.00');
    expect(titles(result)).toEqual(['Sold-out Sneaker', 'Blue Runner']);
  });

  it('a colour constraint shows only products listed in that colour', async () => {
    const { toolbox } = setup({ colour: 'red' });
    expect(titles(await toolbox.call('search', '{"query": "shoes"}'))).toEqual(['Red Runner']);
    expect(await toolbox.call('product_detail', `{"productId": "${id(2)}"}`)).toEqual({
      error: expect.stringMatching(/outside the customer's constraints/) as string,
    });
  });

  it('refuses unknown categories, brands and colours by name', async () => {
    const { toolbox } = setup();
    expect(await toolbox.call('search', '{"query": "x", "category": "Spaceships"}')).toEqual({
      error: 'unknown category "Spaceships"; the categories are Shoes, Bags',
    });
    expect(await toolbox.call('search', '{"query": "x", "brand": "Nike"}')).toEqual({
      error: 'unknown brand "Nike"',
    });
    expect((await toolbox.call('search', '{"query": "x", "colour": "ultraviolet"}')).error).toMatch(
      /unknown colour/,
    );
    expect(toolbox.products).toEqual([]);
  });

  it('a price range outside the shopper’s returns nothing', async () => {
    const { toolbox, searched } = setup({ price: { max: 50 } });
    const result = await toolbox.call('search', '{"query": "boots", "minPrice": 100}');
    expect(result.products).toEqual([]);
    expect(searched).toHaveLength(0);
  });

  it('product detail and ask refuse a product outside the constraints, and unknown ids', async () => {
    const { toolbox, asked } = setup({ price: { max: 50 } });
    expect((await toolbox.call('product_detail', `{"productId": "${id(3)}"}`)).error).toMatch(
      /outside the customer's constraints \(at most 50.00\); do not offer it/,
    );
    expect((await toolbox.call('ask', `{"productId": "${id(3)}"}`)).error).toMatch(/outside/);
    expect((await toolbox.call('product_detail', `{"productId": "${id(8)}"}`)).error).toBe(
      `no product ${id(8)} in the catalog`,
    );
    expect(asked).toEqual([]);
    expect(toolbox.products).toEqual([]);
  });

  it('ask puts the shopper’s own question to product Q&A and keeps its answer as given', async () => {
    const { toolbox, asked } = setup({}, 'is it gluten free?');
    const result = await toolbox.call('ask', `{"productId": "${id(1)}"}`);
    expect(asked).toEqual([{ productId: id(1), question: 'is it gluten free?' }]);
    expect(result).toMatchObject({ answered: false, answer: ABSTENTION.answer });
    expect(toolbox.answers).toEqual([{ productId: id(1), title: 'Red Runner', answer: ABSTENTION }]);
  });

  it('similar leaves out the product itself and anything outside the constraints; a missing product is an error', async () => {
    const { toolbox } = setup({ category: 'Shoes', inStock: true });
    expect(titles(await toolbox.call('similar', `{"productId": "${id(1)}", "limit": 5}`))).toEqual([
      'Blue Runner',
      'Pricey Boot',
    ]);
    expect(await toolbox.call('similar', `{"productId": "${id(9)}"}`)).toEqual({
      error: expect.stringMatching(/does not exist/) as string,
    });
  });
});

describe('toolReply: the reply and products come from the tool results only', () => {
  it('drops invented claims and shows the named products first, in the order named', async () => {
    const { toolbox } = setup({ price: { max: 50 } });
    await toolbox.call('search', '{"query": "shoes", "category": "Shoes"}');
    const reply = toolReply(
      'Try the Blue Runner at EUR 30.00 or the Red Runner at EUR 45.00. The Nike Air Max is EUR 19.99 today. ' +
        'Both are waterproof.',
      toolbox,
      { price: { max: 50 } },
      'en',
      5,
    );
    expect(reply).toEqual({
      message: 'Try the Blue Runner at EUR 30.00 or the Red Runner at EUR 45.00.',
      products: expect.any(Array) as unknown,
      answers: [],
      dropped: 2,
    });
    // Named first, in the order named; then the other results in result order. The boot over budget never.
    expect(reply!.products.map((p) => p.card.title)).toEqual([
      'Blue Runner',
      'Red Runner',
      'Sold-out Sneaker',
    ]);
  });

  it('lists the products from a template when nothing the model said holds', async () => {
    const { toolbox } = setup({ price: { max: 50 } });
    await toolbox.call('search', '{"query": "runner", "limit": 1}');
    const reply = toolReply('Everything ships free tomorrow!', toolbox, { price: { max: 50 } }, 'en', 5);
    expect(reply?.dropped).toBe(1);
    expect(reply?.message).toContain('1. Red Runner by Kicklab, EUR 45.00, in stock');
  });

  it('keeps product Q&A’s abstention verbatim, whatever the model wrote', async () => {
    const { toolbox } = setup();
    await toolbox.call('ask', `{"productId": "${id(1)}"}`);
    const reply = toolReply('Yes, the Red Runner is gluten free.', toolbox, {}, 'en', 5);
    expect(reply).toMatchObject({
      message: `Red Runner: ${ABSTENTION.answer}`,
      answers: [{ productId: id(1) }],
    });
    expect(reply!.message).not.toMatch(/^Yes/);
  });

  it('is null when the tools returned nothing to show', () => {
    const { toolbox } = setup();
    expect(toolReply('Here you go!', toolbox, {}, 'en', 5)).toBeNull();
  });
});
