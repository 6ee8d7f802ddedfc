import type { Product, ProductCard } from '@vitrine/catalog';
import type { SearchOptions, SearchPage } from '@vitrine/search';
import type { VqaAnswer } from '@vitrine/vqa';
import { ChatService, type ChatConversations, type ChatSearch } from './chat.service';
import type { DialogueState } from './dialogue/state';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function card(n: number, over: Partial<ProductCard> = {}): ProductCard {
  return {
    id: id(n),
    sku: `SKU-${n}`,
    title: `Product ${n}`,
    brand: 'Kicklab',
    category: 'Shoes',
    price: { amount: String(10 * n), currency: 'EUR' },
    inStock: true,
    image: null,
    ...over,
  };
}

const CATALOG = [
  card(1, { title: 'Red Runner', brand: 'Kicklab', price: { amount: '45', currency: 'EUR' } }),
  card(2, { title: 'Blue Runner', brand: 'Stridewell', price: { amount: '30', currency: 'EUR' } }),
  card(3, { title: 'Dollar Shoe', price: { amount: '20', currency: 'USD' } }),
  card(4, { title: 'Pricey Boot', price: { amount: '120', currency: 'EUR' } }),
  card(5, { title: 'Sold-out Sneaker', inStock: false, price: { amount: '25', currency: 'EUR' } }),
  card(6, { title: 'A Backpack', category: 'Bags', price: { amount: '15', currency: 'EUR' } }),
];

/** A search that ignores every filter but colour: the chat must hold the hard constraints itself. */
class CarelessSearch implements ChatSearch {
  readonly calls: { kind: string; query?: string; options: SearchOptions }[] = [];
  private page(options: SearchOptions = {}): SearchPage {
    // No product is listed with the colour asked for.
    if (options.filters?.attributes)
      return { queryId: 'q', items: [], total: 0, totalRelation: 'eq', nextCursor: null, reranker: 'none' };
    return {
      queryId: 'q',
      total: CATALOG.length,
      totalRelation: 'eq',
      items: CATALOG.map((c, i) => ({ ...c, score: 1 - i / 10 })),
      nextCursor: null,
      reranker: 'none',
    };
  }
  searchText(request: { query: string } & SearchOptions): Promise<SearchPage> {
    this.calls.push({ kind: 'text', query: request.query, options: request });
    return Promise.resolve(this.page(request));
  }
  searchImage(request: { image: Uint8Array; query?: string } & SearchOptions): Promise<SearchPage> {
    this.calls.push({ kind: 'image', ...(request.query ? { query: request.query } : {}), options: request });
    return Promise.resolve(this.page(request));
  }
  similar(productId: string, options: SearchOptions = {}): Promise<SearchPage> {
    this.calls.push({ kind: 'similar', query: productId, options });
    const page = this.page(options);
    return Promise.resolve({ ...page, items: page.items.filter((i) => i.id !== productId) });
  }
}

class MemoryConversations implements ChatConversations {
  readonly states = new Map<string, DialogueState>();
  readonly turns = new Map<string, string[]>();
  state(conversation: string): Promise<DialogueState | null> {
    return Promise.resolve(this.states.get(conversation) ?? null);
  }
  append(conversation: string, state: DialogueState, turns: readonly { message: string }[]): Promise<void> {
    this.states.set(conversation, JSON.parse(JSON.stringify(state)) as DialogueState);
    this.turns.set(conversation, [...(this.turns.get(conversation) ?? []), ...turns.map((t) => t.message)]);
    return Promise.resolve();
  }
}

function product(c: ProductCard, attributes: Record<string, string> = {}): Product {
  return {
    id: c.id,
    sku: c.sku,
    title: c.title,
    description: null,
    brand: c.brand,
    category: c.category,
    price: c.price,
    inStock: c.inStock,
    attributes,
    images: [],
    contentHash: 'x',
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

function setup() {
  const search = new CarelessSearch();
  const conversations = new MemoryConversations();
  const asked: { productId: string; question: string }[] = [];
  const chat = new ChatService({
    search,
    conversations,
    questions: {
      askAboutProduct: (productId, question) => {
        asked.push({ productId, question });
        const answer: VqaAnswer = {
          answer: "I can't tell whether it is waterproof: the catalog does not say.",
          value: null,
          answered: false,
          confidence: 0,
          source: 'none',
          questionType: 'yes-no',
          explanation: 'not in the catalog',
        };
        return Promise.resolve(answer);
      },
    },
    catalog: {
      cards: (ids) => Promise.resolve(CATALOG.filter((c) => ids.includes(c.id))),
      getByIds: (ids) =>
        Promise.resolve(
          CATALOG.filter((c) => ids.includes(c.id)).map((c) =>
            product(c, c.id === id(1) ? { material: 'canvas', color: 'red' } : { material: 'leather' }),
          ),
        ),
      distinctBrands: () => Promise.resolve(['Kicklab', 'Stridewell']),
      distinctCategories: () => Promise.resolve(['Shoes', 'Bags']),
    },
  });
  return { chat, search, conversations, asked };
}

describe('ChatService', () => {
  it('never shows a product outside the stated price, currency, category or stock, whatever search returns', async () => {
    const { chat, search } = setup();
    const turn = await chat.turn({ message: 'sneakers under 50 euros, only in stock' });
    expect(turn.filters).toEqual({ category: 'Shoes', price: { max: 50 }, currency: 'EUR', inStock: true });
    expect(turn.products.map((p) => p.title)).toEqual(['Red Runner', 'Blue Runner']);
    // The constraints also went to retrieval.
    expect(search.calls[0]!.options.filters).toEqual({
      category: 'Shoes',
      price: { max: 50 },
      currency: 'EUR',
      inStock: true,
    });
    expect(turn.message).toContain('Red Runner');
    expect(turn.message).not.toContain('Dollar Shoe');
  });

  it('refines or asks, rather than search anew without the category in force, when a later turn names no product', async () => {
    const { chat, search } = setup();
    const first = await chat.turn({ message: 'sneakers under 50 euros' });
    const calls = search.calls.length;
    const vague = await chat.turn({
      conversationId: first.conversationId,
      message: 'hmm, what about the other thing',
    });
    expect(search.calls).toHaveLength(calls);
    expect(vague.products).toEqual([]);
    expect(vague.filters).toEqual(first.filters);
    expect(vague.message).toMatch(/did not understand/);
    // The list on screen is still the one references point into.
    const second = await chat.turn({ conversationId: first.conversationId, message: 'the second one' });
    expect(second.products.map((p) => p.id)).toEqual([first.products[1]!.id]);
    // What such a turn does state refines the search in force, its category kept.
    const turn = await chat.turn({
      conversationId: first.conversationId,
      message: 'must be available right now',
    });
    expect(turn.filters).toEqual({ ...first.filters, inStock: true });
    expect(turn.products.length).toBeGreaterThan(0);
    expect(turn.products.every((p) => p.category === 'Shoes' && p.inStock)).toBe(true);
    // The first turn of a conversation searches its words as typed.
    const fresh = await chat.turn({ message: 'hmm, what about the other thing' });
    expect(fresh.products.length).toBeGreaterThan(0);
  });

  it('keeps refining one conversation: cheaper, not that brand, sort by price, show more, start over', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'shoes in euros under 200 euros' });
    const c = first.conversationId;
    expect(first.products.map((p) => p.title)).toEqual([
      'Red Runner',
      'Blue Runner',
      'Pricey Boot',
      'Sold-out Sneaker',
    ]);

    const cheaper = await chat.turn({ conversationId: c, message: 'cheaper' });
    // Below the cheapest shown (EUR 25).
    expect(cheaper.filters.price).toEqual({ max: 24.99 });
    expect(cheaper.products).toEqual([]);
    expect(cheaper.message).toMatch(/no products/);

    await chat.turn({ conversationId: c, message: 'start over' });
    const again = await chat.turn({ conversationId: c, message: 'shoes under 150 euros' });
    expect(again.filters).toEqual({ category: 'Shoes', price: { max: 150 }, currency: 'EUR' });
    const notThat = await chat.turn({ conversationId: c, message: 'not that brand' });
    expect(notThat.filters.excludeBrands).toEqual(['Kicklab']);
    expect(notThat.products.map((p) => p.brand)).toEqual(['Stridewell']);

    const sorted = await chat.turn({ conversationId: c, message: 'start over, shoes under 150 euros' });
    expect(sorted.intent).toBe('start-over');
    const byPrice = await chat.turn({ conversationId: c, message: 'sort by price' });
    expect(byPrice.products.map((p) => p.price?.amount)).toEqual(['25', '30', '45', '120']);
  });

  it('shows more in pages of five without repeating', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'something nice' });
    expect(first.products).toHaveLength(5);
    const more = await chat.turn({ conversationId: first.conversationId, message: 'show more' });
    expect(more.products.map((p) => p.title)).toEqual(['A Backpack']);
    expect(more.message).toMatch(/^Here is what I found[^\n]*\n1\. A Backpack/);
    const end = await chat.turn({ conversationId: first.conversationId, message: 'show more' });
    expect(end.products).toEqual([]);
    expect(end.message).toBe('There are no more products that match.');
  });

  it('routes a question about "the second one" to product Q&A with that product', async () => {
    const { chat, asked } = setup();
    const first = await chat.turn({ message: 'shoes under 50 euros in stock' });
    const q = await chat.turn({
      conversationId: first.conversationId,
      message: 'Is the second one waterproof?',
    });
    expect(asked).toEqual([{ productId: id(2), question: 'is it waterproof?' }]);
    expect(q.answer).toMatchObject({ productId: id(2), answered: false });
    expect(q.products.map((p) => p.id)).toEqual([id(2)]);
    // "it" now means the second one.
    await chat.turn({ conversationId: first.conversationId, message: 'what is it made of?' });
    expect(asked[1]).toEqual({ productId: id(2), question: 'what is it made of?' });
  });

  it('resolves "the cheaper of the two" from the prices shown', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'shoes under 50 euros in stock' });
    const t = await chat.turn({ conversationId: first.conversationId, message: 'the cheaper of the two' });
    expect(t.products.map((p) => p.title)).toEqual(['Blue Runner']);
    expect(t.message).toBe('Blue Runner by Stridewell: EUR 30.00, in stock, in Shoes.');
  });

  it('compares the first two with a fact table from the catalog', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'shoes under 50 euros in stock' });
    const t = await chat.turn({ conversationId: first.conversationId, message: 'compare the first two' });
    expect(t.comparison).toEqual({
      productIds: [id(1), id(2)],
      rows: [
        { field: 'price', values: ['EUR 45.00', 'EUR 30.00'] },
        { field: 'brand', values: ['Kicklab', 'Stridewell'] },
        { field: 'category', values: ['Shoes', 'Shoes'] },
        { field: 'in stock', values: ['yes', 'yes'] },
        { field: 'color', values: ['red', null] },
        { field: 'material', values: ['canvas', 'leather'] },
      ],
    });
  });

  it('finds products like a shown one, without the product itself and under the constraints in force', async () => {
    const { chat, search } = setup();
    const first = await chat.turn({ message: 'shoes under 50 euros in stock' });
    const t = await chat.turn({ conversationId: first.conversationId, message: 'more like the first' });
    expect(search.calls.at(-1)).toMatchObject({ kind: 'similar', query: id(1) });
    expect(t.products.map((p) => p.title)).toEqual(['Blue Runner']);
  });

  it('without a product listed in the colour asked for, shows only products listing no colour, and says so', async () => {
    const { chat, search } = setup();
    const t = await chat.turn({ message: 'blue shoes under 50 euros in stock' });
    expect(search.calls.map((c) => c.options.filters?.attributes)).toStrictEqual([
      { color: 'blue' },
      undefined,
    ]);
    // Red Runner lists the colour red: known not to be blue, never shown as a maybe.
    expect(t.products.map((p) => p.title)).toEqual(['Blue Runner']);
    expect(t.message).toMatch(/no matching product is listed as blue in the catalog; .* list no colour/);
  });

  it('answers out-of-scope requests honestly, with no products', async () => {
    const { chat } = setup();
    const t = await chat.turn({ message: 'where is my order?' });
    expect(t.products).toEqual([]);
    expect(t.message).toMatch(/cannot see orders/);
  });

  it('answers in Chinese to a Chinese turn', async () => {
    const { chat } = setup();
    const t = await chat.turn({ message: '50欧元以下的鞋子，只要有货的' });
    expect(t.lang).toBe('zh');
    expect(t.message.startsWith('为您找到这些商品')).toBe(true);
    expect(t.products.map((p) => p.title)).toEqual(['Red Runner', 'Blue Runner']);
  });

  it('takes a picture turn to image search, steered by the colour asked for', async () => {
    const { chat, search } = setup();
    const t = await chat.turn({ message: 'like this but in red', image: new Uint8Array([1, 2, 3]) });
    expect(search.calls[0]).toMatchObject({ kind: 'image', query: 'red' });
    expect(search.calls[0]!.options.filters).toEqual({ attributes: { color: 'red' } });
    expect(t.products.length).toBeGreaterThan(0);
  });

  it('refuses an unknown conversation and an empty message', async () => {
    const { chat } = setup();
    await expect(chat.turn({ conversationId: id(99), message: 'hi' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(chat.turn({ message: '   ' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('says which product it needs rather than guessing', async () => {
    const { chat, asked } = setup();
    const t = await chat.turn({ message: 'is the first one waterproof?' });
    expect(t.message).toMatch(/haven't shown you any products/);
    expect(asked).toEqual([]);
  });
});

describe('ChatService: dropping a constraint', () => {
  it('"any colour then" keeps the other constraints and drops the colour', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'blue shoes under 50 euros' });
    expect(first.filters.colour).toBe('blue');
    const any = await chat.turn({ conversationId: first.conversationId, message: 'ok, any colour then' });
    expect(any.filters).toEqual({ category: 'Shoes', price: { max: 50 }, currency: 'EUR' });
    expect(any.products.map((p) => p.title)).toContain('Red Runner');
  });
});

describe('ChatService: "the two" after a comparison', () => {
  it('means the two compared, not the first two shown', async () => {
    const { chat } = setup();
    const first = await chat.turn({ message: 'shoes under 200 euros' });
    // Red Runner 45, Blue Runner 30, Pricey Boot 120, Sold-out Sneaker 25 (all EUR).
    await chat.turn({ conversationId: first.conversationId, message: 'compare the first and the third' });
    const t = await chat.turn({
      conversationId: first.conversationId,
      message: 'which of the two is cheaper?',
    });
    expect(t.products.map((p) => p.title)).toEqual(['Red Runner']);
  });
});
