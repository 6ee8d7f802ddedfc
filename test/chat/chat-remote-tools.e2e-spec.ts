import request from 'supertest';
import { ProductRepository, productAsInput } from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { startApiApp, type ApiTestApp } from '../api/api-app';
import { FakeChatServer, type Reply } from '../insights/fake-chat-server';
import { waitForIdle } from '../support/queue-idle';
import { demoProducts } from '../insights/demo-products';

interface Turn {
  conversationId: string;
  message: string;
  replyBy: string;
  droppedClaims?: number;
  intent: string;
  lang: string;
  products: { id: string; title: string; price: { amount: string; currency: string } | null }[];
  filters: Record<string, unknown>;
  answer?: { productId: string; answered: boolean; answer: string };
}

interface SentMessage {
  role: string;
  content: string | null;
  tool_call_id?: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
}
interface SentBody {
  messages: SentMessage[];
  tools?: { type: string; function: { name: string; parameters: Record<string, unknown> } }[];
}

const search = (args: Record<string, unknown>): Reply => ({
  toolCalls: [{ name: 'search', arguments: JSON.stringify(args) }],
});

/**
 * With ANSWERER_URL (CHAT_REMOTE_TOOLS on by default), a remote model plans product turns with tool calls against a
 * scripted OpenAI-compatible server: the products and every claim of the reply come from the tool results, the
 * shopper's constraints hold whatever the model asks for, and the embedded manager answers when the model fails.
 */
describe('POST /v1/chat: the remote model chooses the tools (scripted OpenAI-compatible server)', () => {
  let t: ApiTestApp;
  let fake: FakeChatServer;
  let ids: Map<string, string>;

  beforeAll(async () => {
    fake = await FakeChatServer.start();
    t = await startApiApp({
      env: { ANSWERER_URL: fake.url, ANSWERER_MODEL: 'fake-planner', ANSWERER_TIMEOUT_MS: '1500' },
    });
    const shoes = demoProducts().filter((p) => p.category === 'Shoes');
    const result = await t.app.get(ProductRepository).upsertMany(shoes.map((p) => productAsInput(p)));
    await t.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(t.queue, 120_000);
    const stored = await t.app.get(ProductRepository).getByIds(result.changed.map((c) => c.id));
    ids = new Map(stored.map((p) => [p.title, p.id]));
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const say = async (message: string, conversationId?: string) =>
    (
      await request(t.server)
        .post('/v1/chat')
        .send({ message, ...(conversationId ? { conversationId } : {}) })
        .expect(200)
    ).body as Turn;
  /** The requests the model received since `before`, as sent. */
  const sentSince = (before: number) => fake.requests.slice(before).map((r) => r.body as SentBody);
  const toolResults = (body: SentBody) =>
    body.messages
      .filter((m) => m.role === 'tool')
      .map((m) => JSON.parse(m.content!) as Record<string, unknown>);

  it('the model calls search, then replies: the products and the reply come from the search results', async () => {
    fake.reply(search({ query: 'shoes', category: 'Shoes', sort: 'price-asc', limit: 3 }), {
      content:
        'The Cloudstep Women’s Sandal costs EUR 46.49. The Cloudstep Men’s Leather Shoe costs EUR 41.99.',
    });
    const before = fake.requests.length;
    const turn = await say('shoes under 100 euros');

    expect(turn).toMatchObject({
      replyBy: 'tools:fake-planner',
      droppedClaims: 0,
      message:
        'The Cloudstep Women’s Sandal costs EUR 46.49. The Cloudstep Men’s Leather Shoe costs EUR 41.99.',
      filters: { category: 'Shoes', currency: 'EUR', price: { max: 100 } },
    });
    // Named first in the order the reply names them, then the rest of the results.
    expect(turn.products.map((p) => p.title)).toEqual([
      'Cloudstep Women’s Sandal',
      'Cloudstep Men’s Leather Shoe',
      'Trailblazer Hiking Boot',
    ]);

    const [first, second] = sentSince(before);
    expect(first!.tools!.map((tool) => tool.function.name)).toEqual([
      'search',
      'product_detail',
      'ask',
      'similar',
    ]);
    expect(first!.messages.at(-1)!.content).toContain('CUSTOMER: shoes under 100 euros');
    // The search result went back as a tool message answering the call, with the catalog's facts.
    const call = second!.messages.find((m) => m.role === 'assistant')!.tool_calls![0]!;
    const result = second!.messages.find((m) => m.role === 'tool')!;
    expect(result.tool_call_id).toBe(call.id);
    expect(JSON.parse(result.content!)).toMatchObject({
      constraints: 'Shoes, at most EUR 100.00',
      products: [
        { title: 'Cloudstep Men’s Leather Shoe', price: 'EUR 41.99', attributes: { color: 'grey' } },
        { title: 'Cloudstep Women’s Sandal', price: 'EUR 46.49' },
        { title: 'Trailblazer Hiking Boot', price: 'EUR 78.99' },
      ],
    });

    // The next turn sees the list as shown: "the first one" is the sandal.
    fake.reply({ content: 'Noted.' });
    const next = fake.requests.length;
    await say('tell me about the first one', turn.conversationId);
    const shown = sentSince(next)[0]!.messages.at(-1)!.content!;
    expect(shown).toContain(
      `SHOWN: [{"position":1,"productId":"${ids.get('Cloudstep Women’s Sandal')}","title":"Cloudstep Women’s Sandal"`,
    );
  });

  it('drops an invented product, an invented price and an unsupported property from the reply', async () => {
    fake.reply(search({ query: 'shoes' }), {
      content:
        'The Cloudstep Men’s Leather Shoe costs EUR 41.99. The Nike Air Max 90 is only EUR 29.99 this week. ' +
        'The Trailblazer Hiking Boot is waterproof. The Trailblazer Hiking Boot costs EUR 59.00.',
    });
    const turn = await say('shoes under 100 euros');
    expect(turn).toMatchObject({
      replyBy: 'tools:fake-planner',
      message: 'The Cloudstep Men’s Leather Shoe costs EUR 41.99.',
      droppedClaims: 3,
    });
    expect(turn.products.map((p) => p.title)).not.toContain('Nike Air Max 90');
    expect(turn.products[0]!.title).toBe('Cloudstep Men’s Leather Shoe');
  });

  it('checks a Chinese reply the same way', async () => {
    fake.reply(search({ query: '鞋子', sort: 'price-asc', limit: 2 }), {
      content: 'Cloudstep Men’s Leather Shoe的价格是EUR 41.99。这双鞋是防水的，还包邮。',
    });
    const before = fake.requests.length;
    const turn = await say('100欧元以下的鞋子');
    expect(turn).toMatchObject({
      lang: 'zh',
      replyBy: 'tools:fake-planner',
      message: 'Cloudstep Men’s Leather Shoe的价格是EUR 41.99。',
      droppedClaims: 1,
    });
    expect(sentSince(before)[0]!.messages.at(-1)!.content).toContain('LANGUAGE: Simplified Chinese');
  });

  it('never shows a product outside the stated price, whatever the model asked for', async () => {
    const boot = ids.get('Trailblazer Hiking Boot')!;
    fake.reply(
      {
        toolCalls: [
          { name: 'search', arguments: '{"query": "hiking boot", "maxPrice": 200}' },
          { name: 'product_detail', arguments: JSON.stringify({ productId: boot }) },
        ],
      },
      {
        content: 'The Trailblazer Hiking Boot costs EUR 78.99. The Cloudstep Women’s Sandal costs EUR 46.49.',
      },
    );
    const before = fake.requests.length;
    const turn = await say('shoes under 50 euros');

    expect(turn.filters).toMatchObject({ price: { max: 50 }, currency: 'EUR' });
    expect(turn.products.length).toBeGreaterThan(0);
    for (const p of turn.products) {
      expect(p.price!.currency).toBe('EUR');
      expect(Number(p.price!.amount)).toBeLessThanOrEqual(50);
    }
    expect(turn.products.map((p) => p.id)).not.toContain(boot);
    expect(turn.message).toBe('The Cloudstep Women’s Sandal costs EUR 46.49.');
    expect(turn.droppedClaims).toBe(1);
    // The model was told, and never given the boot's facts.
    const [searched, detail] = toolResults(sentSince(before)[1]!);
    expect(JSON.stringify(searched)).not.toContain('Trailblazer Hiking Boot');
    expect(detail!.error).toMatch(/outside the customer's constraints/);
  });

  it('sends bad tool calls back to the model as errors, and goes on', async () => {
    fake.reply(
      {
        toolCalls: [
          { name: 'checkout', arguments: '{}' },
          { name: 'search', arguments: '{"query": "shoes", "maxPrice": "cheap"' },
          { name: 'search', arguments: '{"query": "shoes", "limit": 500}' },
        ],
      },
      search({ query: 'shoes', limit: 2 }),
      { content: 'The Cloudstep Men’s Leather Shoe costs EUR 41.99.' },
    );
    const before = fake.requests.length;
    const turn = await say('shoes under 100 euros');
    expect(turn).toMatchObject({
      replyBy: 'tools:fake-planner',
      message: 'The Cloudstep Men’s Leather Shoe costs EUR 41.99.',
    });
    const errors = toolResults(sentSince(before)[1]!).map((r) => r.error);
    expect(errors).toEqual([
      expect.stringMatching(/^unknown tool "checkout"/),
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/limit: Too big/),
    ]);
  });

  it('keeps product Q&A’s abstention verbatim, whatever the model replies', async () => {
    fake.reply(search({ query: 'shoes', sort: 'price-asc' }), { content: 'Here are some shoes.' });
    const list = await say('shoes under 100 euros');
    const first = list.products[0]!;
    fake.reply(
      { toolCalls: [{ name: 'ask', arguments: JSON.stringify({ productId: first.id }) }] },
      { content: 'Yes, it is completely gluten free.' },
    );
    const turn = await say('is the first one gluten free?', list.conversationId);
    expect(turn.answer).toMatchObject({ productId: first.id, answered: false });
    expect(turn.message).toBe(`${first.title}: ${turn.answer!.answer}`);
    expect(turn.message).not.toMatch(/Yes/);
    expect(turn.replyBy).toBe('tools:fake-planner');
  });

  it.each<[string, Reply[], number]>([
    ['the endpoint fails (HTTP 500)', [{ status: 500, raw: '{"error":"boom"}' }], 1],
    ['the body is garbage', [{ status: 200, raw: 'not json at all' }], 1],
    ['the model times out', [{ hang: true }], 1],
    ['the model is still calling tools after three rounds', [search({ query: 'shoes' })], 4],
    ['the model calls no tool', [{ content: 'We have great shoes at EUR 9.99!' }], 1],
  ])('answers with the embedded manager when %s', async (_what, replies, requests) => {
    fake.reply(...replies);
    const before = fake.requests.length;
    const turn = await say('shoes under 100 euros');
    expect(turn.replyBy).toBe('template');
    expect(turn.message).toMatch(/^Here are some products \(Shoes, at most EUR 100\.00\):\n1\. /);
    expect(turn.products.length).toBeGreaterThan(0);
    expect(fake.requests.length - before).toBe(requests);
  });

  it('does not let the model pick a product for a reference that points at nothing shown', async () => {
    fake.reply(search({ query: 'shoes', limit: 3 }), { content: 'Here are three shoes.' });
    const list = await say('shoes under 100 euros');
    expect(list.products).toHaveLength(3);
    fake.reply(
      { toolCalls: [{ name: 'ask', arguments: JSON.stringify({ productId: list.products[0]!.id }) }] },
      { content: 'Yes, it is waterproof.' },
    );
    const before = fake.requests.length;
    const turn = await say('is the fifth one waterproof?', list.conversationId);
    expect(fake.requests.length).toBe(before);
    expect(turn).toMatchObject({ replyBy: 'template', products: [] });
    expect(turn.answer).toBeUndefined();
  });

  it('does not consult the model for out-of-scope requests', async () => {
    const before = fake.requests.length;
    const turn = await say('where is my order?');
    expect(turn.replyBy).toBe('template');
    expect(fake.requests.length).toBe(before);
  });
});
