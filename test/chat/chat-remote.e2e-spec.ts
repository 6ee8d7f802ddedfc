import request from 'supertest';
import { ProductRepository, productAsInput } from '@vitrine/catalog';
import { IndexingScheduler } from '@vitrine/indexing';
import { startApiApp, type ApiTestApp } from '../api/api-app';
import { FakeChatServer } from '../insights/fake-chat-server';
import { waitForIdle } from '../support/queue-idle';
import { demoProducts } from '../insights/demo-products';

interface Turn {
  message: string;
  replyBy: string;
  droppedClaims?: number;
  products: { title: string }[];
}

/** With ANSWERER_URL, a remote model writes the replies; what it cannot support from the turn's facts is dropped. */
describe('POST /v1/chat with a remote model (scripted OpenAI-compatible server)', () => {
  let t: ApiTestApp;
  let fake: FakeChatServer;

  beforeAll(async () => {
    fake = await FakeChatServer.start();
    // The model only rewrites replies here; test/chat/chat-remote-tools.e2e-spec.ts covers it choosing tools.
    t = await startApiApp({
      env: { ANSWERER_URL: fake.url, ANSWERER_MODEL: 'fake-writer', CHAT_REMOTE_TOOLS: 'false' },
    });
    const shoes = demoProducts().filter((p) => p.category === 'Shoes');
    const result = await t.app.get(ProductRepository).upsertMany(shoes.map((p) => productAsInput(p)));
    await t.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(t.queue, 120_000);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const say = async (message: string) =>
    (await request(t.server).post('/v1/chat').send({ message }).expect(200)).body as Turn;

  it("keeps the model's supported sentences and drops invented products, prices and properties", async () => {
    fake.reply({
      content:
        "Here are three shoes under EUR 100. Cloudstep Men's Leather Shoe costs EUR 41.99. Both are waterproof. " +
        'The Nike Air Max is on sale for EUR 20.00.',
    });
    const before = fake.requests.length;
    const turn = await say('shoes under 100 euros');
    expect(turn.message).toBe(
      "Here are three shoes under EUR 100. Cloudstep Men's Leather Shoe costs EUR 41.99.",
    );
    expect(turn).toMatchObject({ replyBy: 'remote:fake-writer', droppedClaims: 2 });
    // The products are the search's, not the model's.
    expect(turn.products.map((p) => p.title).sort()).toEqual(
      ['Cloudstep Men’s Leather Shoe', 'Cloudstep Women’s Sandal', 'Trailblazer Hiking Boot'].sort(),
    );
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    const prompt = JSON.stringify(sent[0]!.body);
    expect(prompt).toContain('Trailblazer Hiking Boot');
    expect(prompt).toContain('EUR 78.99');
  });

  it('falls back to the template when the model fails or nothing it says holds', async () => {
    fake.reply({ status: 500, raw: '{"error":"boom"}' });
    const failed = await say('shoes under 100 euros');
    expect(failed.replyBy).toBe('template');
    expect(failed.message).toMatch(/^Here are some products \(Shoes, at most EUR 100\.00\):/);

    fake.reply({ content: 'All our shoes ship free and come with a 5-year warranty.' });
    const unsupported = await say('shoes under 100 euros');
    expect(unsupported).toMatchObject({ replyBy: 'template', droppedClaims: 1 });
    expect(unsupported.message).toMatch(/^Here are some products/);
  });

  it('does not let the model answer out-of-scope requests', async () => {
    const before = fake.requests.length;
    const turn = await say('where is my order?');
    expect(turn.replyBy).toBe('template');
    expect(fake.requests.length).toBe(before);
  });
});
