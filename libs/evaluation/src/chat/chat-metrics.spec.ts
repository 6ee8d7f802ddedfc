import { scoreChat, type ChatTurnOutcome } from './chat-metrics';
import { constraintsAfter, findViolations, NO_CONSTRAINTS, type ChatCatalogItem } from './constraints';
import type { ChatGoldTurn } from './conversation-set';
import { evaluateChat, resolveGoldReference, type ChatAgent, type ChatAgentReply } from './evaluate-chat';

const item = (
  sku: string,
  amount: number,
  o: Partial<Omit<ChatCatalogItem, 'sku' | 'price'>> & { currency?: string } = {},
): ChatCatalogItem => ({
  sku,
  category: o.category ?? 'Shoes',
  brand: o.brand ?? 'Kicklab',
  price: { amount, currency: o.currency ?? 'EUR' },
  inStock: o.inStock ?? true,
});

const turn = (gold: ChatGoldTurn, observed: Partial<ChatTurnOutcome> = {}): ChatTurnOutcome => ({
  conversationId: 'c1',
  lang: 'en',
  turn: 0,
  gold,
  violations: [],
  ...observed,
});

describe('chat metrics (hand-computed cases)', () => {
  it('counts intent accuracy over observed turns and names the confusions', () => {
    const m = scoreChat([
      turn({ user: 'hi', intent: 'greeting', slots: {} }, { intent: 'greeting' }),
      turn({ user: 'cheaper', intent: 'refine', slots: {} }, { intent: 'search' }),
      turn({ user: 'where is my order', intent: 'out-of-scope', slots: {} }, { intent: 'out-of-scope' }),
      turn({ user: 'not observed', intent: 'help', slots: {} }),
    ]);
    expect(m.intent).toMatchObject({ n: 3, hits: 2 });
    expect(m.intent.rate).toBeCloseTo(2 / 3, 12);
    expect(m.intent.confusions).toEqual({ 'refine → search': 1 });
  });

  it('scores slots per slot: right value tp, wrong value fp + fn, missing fn, extra fp', () => {
    const m = scoreChat([
      turn(
        {
          user: 'red sneakers under 50 euros',
          intent: 'search',
          slots: { category: 'Shoes', colour: 'red', priceMax: 50, currency: 'EUR' },
        },
        // colour right (case-insensitive), price right, currency wrong, category missing, brand extra.
        { slots: { colour: 'Red', priceMax: 50.001, currency: 'USD', brand: 'Kicklab' } },
      ),
      turn({ user: 'any colour', intent: 'refine', slots: { colour: null } }, { slots: { colour: null } }),
    ]);
    expect(m.slots.perSlot.colour).toMatchObject({ tp: 2, fp: 0, fn: 0, f1: 1 });
    expect(m.slots.perSlot.priceMax).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(m.slots.perSlot.currency).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
    expect(m.slots.perSlot.category).toMatchObject({ tp: 0, fp: 0, fn: 1, recall: 0 });
    expect(m.slots.perSlot.brand).toMatchObject({ tp: 0, fp: 1, fn: 0, precision: 0 });
    expect(m.slots.perSlot.sort.f1).toBeNaN();
    // micro: tp 3 (colour 2, priceMax 1), fp 2 (currency, brand), fn 2 (currency, category).
    expect(m.slots.micro).toMatchObject({ tp: 3, fp: 2, fn: 2 });
    expect(m.slots.micro.f1).toBeCloseTo(6 / 10, 12);
  });

  it('scores references, abstention on unknowable questions and answers on knowable ones', () => {
    const q = (abstain: boolean): ChatGoldTurn => ({
      user: 'q',
      intent: 'question',
      slots: {},
      ref: 1,
      abstain,
    });
    const m = scoreChat([
      turn(q(true), {
        answered: false,
        expectedReference: { positions: [1] },
        reference: { positions: [1] },
      }),
      turn(q(true), { answered: true, expectedReference: { positions: [1] }, reference: { positions: [2] } }),
      turn(q(true), {
        answered: false,
        expectedReference: { cheaperOf: [1, 2] },
        reference: { cheaperOf: [2, 1] },
      }),
      turn(q(false), { answered: true, expectedReference: { positions: [1] } }),
    ]);
    expect(m.references).toMatchObject({ n: 4, hits: 2 });
    expect(m.abstention).toMatchObject({ n: 3, hits: 2 });
    expect(m.knowableAnswered).toMatchObject({ n: 1, hits: 1, rate: 1 });
  });

  it('sums hard violations apart from brand ones, and products shown where none was asked', () => {
    const m = scoreChat([
      turn(
        { user: 'x', intent: 'search', slots: {} },
        {
          shown: 2,
          violations: [
            { kind: 'price', sku: 'a', detail: '' },
            { kind: 'brand', sku: 'b', detail: '' },
          ],
        },
      ),
      turn({ user: 'where is my order', intent: 'out-of-scope', slots: {} }, { shown: 3 }),
      turn({ user: 'hi', intent: 'greeting', slots: {} }, { shown: 0 }),
    ]);
    expect(m.violations.hard).toBe(1);
    expect(m.violations.byKind).toMatchObject({ price: 1, brand: 1, stock: 0 });
    expect(m.productsWhenNoneAsked).toMatchObject({ n: 2, hits: 1 });
  });
});

describe('constraints in force', () => {
  const search: ChatGoldTurn = {
    user: 'Kicklab shoes under 50 euros',
    intent: 'search',
    slots: { category: 'Shoes', brand: 'Kicklab', priceMax: 50, currency: 'EUR' },
  };

  it('a search sets them, a refinement changes what it states, start-over clears them', () => {
    const a = constraintsAfter(NO_CONSTRAINTS, search);
    expect(a).toEqual({
      category: 'Shoes',
      brand: 'Kicklab',
      priceMax: 50,
      currency: 'EUR',
      excludeBrands: [],
    });
    const b = constraintsAfter(a, { user: 'only in stock', intent: 'refine', slots: { inStock: true } });
    expect(b).toMatchObject({ category: 'Shoes', priceMax: 50, inStock: true });
    const c = constraintsAfter(b, {
      user: 'not that brand',
      intent: 'refine',
      slots: { excludeBrand: '@focus' },
    });
    expect(c.brand).toBeUndefined();
    expect(c.excludeBrands).toEqual(['Kicklab']);
    expect(constraintsAfter(c, { user: 'compare', intent: 'compare', slots: {}, ref: [1, 2] })).toBe(c);
    const d = constraintsAfter(c, { user: 'toys', intent: 'search', slots: { category: 'Toys & Games' } });
    expect(d).toEqual({ category: 'Toys & Games', excludeBrands: [] });
    expect(constraintsAfter(c, { user: 'start over', intent: 'start-over', slots: {} })).toEqual(
      NO_CONSTRAINTS,
    );
  });

  it('a picture starts a new search with what its words state', () => {
    const before = constraintsAfter(NO_CONSTRAINTS, search);
    const picture = constraintsAfter(before, {
      user: 'like this but under 30 euros',
      image: '/q/shoe.png',
      intent: 'similar',
      slots: { priceMax: 30, currency: 'EUR' },
    });
    expect(picture).toEqual({ priceMax: 30, currency: 'EUR', excludeBrands: [] });
    // "More like the third" (no picture) keeps what was stated.
    expect(
      constraintsAfter(before, { user: 'more like the third', intent: 'similar', slots: {}, ref: 3 }),
    ).toBe(before);
  });

  it('"not that brand" with no brand in force excludes the brand of the product in focus', () => {
    const c = constraintsAfter(
      NO_CONSTRAINTS,
      { user: 'not that brand', intent: 'refine', slots: { excludeBrand: '@focus' } },
      'Voltiq',
    );
    expect(c.excludeBrands).toEqual(['Voltiq']);
  });

  it('finds every product outside price, currency, category, stock and brand', () => {
    const c = constraintsAfter(constraintsAfter(NO_CONSTRAINTS, search), {
      user: 'only in stock',
      intent: 'refine',
      slots: { inStock: true },
    });
    const v = findViolations(c, [
      item('ok', 49.99),
      item('dear', 50.01),
      item('usd', 20, { currency: 'USD' }),
      item('bag', 20, { category: 'Bags' }),
      item('gone', 20, { inStock: false }),
      item('other', 20, { brand: 'Stridewell' }),
      { ...item('noprice', 1), price: null },
    ]);
    expect(v.map((x) => `${x.sku}:${x.kind}`).sort()).toEqual(
      [
        'bag:category',
        'dear:price',
        'gone:stock',
        'noprice:currency',
        'noprice:price',
        'other:brand',
        'usd:currency',
      ].sort(),
    );
  });
});

describe('evaluateChat', () => {
  const catalog = new Map(
    [
      item('A', 30),
      item('B', 20, { brand: 'Stridewell' }),
      item('C', 10, { inStock: false }),
      item('D', 90, { category: 'Bags' }),
    ].map((i) => [i.sku, i]),
  );

  it('resolves "the cheaper of" on the products shown, symbolically when none were', () => {
    const list = [catalog.get('A')!, catalog.get('B')!];
    expect(resolveGoldReference({ cheaperOf: [1, 2] }, list)).toEqual({ positions: [2] });
    expect(resolveGoldReference({ cheaperOf: [1, 2] }, [])).toEqual({ cheaperOf: [1, 2] });
    expect(resolveGoldReference([1, 3], list)).toEqual({ positions: [1, 3] });
    // EUR against USD: no cheaper one to score.
    expect(
      resolveGoldReference({ cheaperOf: [1, 2] }, [list[0]!, item('U', 5, { currency: 'USD' })]),
    ).toBeUndefined();
  });

  it('tracks the result list and constraints through a conversation and scores what the agent did', async () => {
    const replies: ChatAgentReply[] = [
      { intent: 'search', shown: ['A', 'B', 'C'] },
      // "only in stock" still shows the out-of-stock C: a violation.
      { intent: 'refine', shown: ['B', 'C'] },
      // "the cheaper of the two" (B 20, C 10 → position 2 = C); the agent picks B.
      { intent: 'question', reference: { skus: ['B'] }, answered: true },
      // "is it recalled?": "it" is the focus; the agent abstains.
      { intent: 'question', reference: { skus: ['C'] }, answered: false },
      { intent: 'out-of-scope', shown: ['D'] },
    ];
    const agent: ChatAgent = {
      open: () => Promise.resolve({ turn: () => Promise.resolve(replies.shift()!) }),
    };
    const { metrics, outcomes, turnMs } = await evaluateChat(
      [
        {
          id: 'c1',
          lang: 'en',
          turns: [
            { user: 'shoes under 50 euros', intent: 'search', slots: { category: 'Shoes', priceMax: 50 } },
            { user: 'only in stock', intent: 'refine', slots: { inStock: true } },
            {
              user: 'what colour is the cheaper of the two?',
              intent: 'question',
              slots: {},
              ref: { cheaperOf: [1, 2] },
              abstain: false,
            },
            {
              user: 'has it been recalled?',
              intent: 'question',
              slots: {},
              ref: { cheaperOf: [1, 2] },
              abstain: true,
            },
            { user: 'where is my parcel?', intent: 'out-of-scope', slots: {} },
          ],
        },
      ],
      agent,
      catalog,
    );
    expect(turnMs).toHaveLength(5);
    expect(outcomes[2]!.expectedReference).toEqual({ positions: [2] });
    expect(metrics.intent).toMatchObject({ n: 5, hits: 5 });
    expect(metrics.references).toMatchObject({ n: 2, hits: 1 });
    expect(metrics.violations.byKind.stock).toBe(1);
    expect(metrics.violations.hard).toBe(1);
    expect(metrics.violations.examples[0]).toMatchObject({ sku: 'C', kind: 'stock', turn: 1 });
    expect(metrics.abstention).toMatchObject({ n: 1, hits: 1 });
    expect(metrics.knowableAnswered).toMatchObject({ n: 1, hits: 1 });
    expect(metrics.productsWhenNoneAsked).toMatchObject({ n: 1, hits: 1 });
  });

  it('keeps the last list on screen when a reply shows nothing, and checks the assistant’s own filters', async () => {
    const replies: ChatAgentReply[] = [
      { shown: ['A', 'B'], filtersInForce: { excludeBrands: [] } },
      // Nothing matches: the list on screen is still A, B.
      { shown: [], filtersInForce: { excludeBrands: [], priceMax: 5 } },
      { reference: { skus: ['B'] }, answered: true },
      // Shows C although its own filters say in stock only.
      { shown: ['C'], filtersInForce: { excludeBrands: [], inStock: true } },
    ];
    const agent: ChatAgent = {
      open: () => Promise.resolve({ turn: () => Promise.resolve(replies.shift()!) }),
    };
    const { metrics } = await evaluateChat(
      [
        {
          id: 'c',
          lang: 'zh',
          turns: [
            { user: '鞋', intent: 'search', slots: {} },
            { user: '5欧元以下', intent: 'refine', slots: { priceMax: 5, currency: 'EUR' } },
            { user: '第二个多少钱？', intent: 'question', slots: {}, ref: 2, abstain: false },
            { user: '只要有货的', intent: 'refine', slots: { inStock: true } },
          ],
        },
      ],
      agent,
      catalog,
    );
    expect(metrics.references).toMatchObject({ n: 1, hits: 1 });
    // C: over the stated 5 EUR and out of stock; against its own filters only the stock.
    expect(metrics.violations.hard).toBe(2);
    expect(metrics.violations.hardAgainstOwnFilters).toBe(1);
  });

  it('refuses a reply that shows a product the catalog does not have', async () => {
    const agent: ChatAgent = {
      open: () => Promise.resolve({ turn: () => Promise.resolve({ shown: ['invented'] }) }),
    };
    await expect(
      evaluateChat(
        [{ id: 'c', lang: 'en', turns: [{ user: 'shoes', intent: 'search', slots: {} }] }],
        agent,
        catalog,
      ),
    ).rejects.toThrow(/invented/);
  });
});
