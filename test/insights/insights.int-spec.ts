import { ProductRepository, productAsInput, type Product } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { IndexingScheduler, JOB_QUEUE, type JobQueue } from '@vitrine/indexing';
import {
  ATTRIBUTE_MIGRATIONS,
  ATTRIBUTE_NAMES,
  AttributeExtractor,
  AttributeRepository,
  AttributesModule,
  ColourNamer,
  PIXELS_MODEL_ID,
} from '@vitrine/attributes';
import {
  DESCRIPTION_MIGRATIONS,
  DescriptionService,
  DescriptionsModule,
  findContradictions,
  TEMPLATE_GENERATOR,
} from '@vitrine/descriptions';
import { VqaModule, VqaService } from '@vitrine/vqa';
import { destroyStack, startIndexingStack, type IndexingStack } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';
import { demoProducts } from './demo-products';
import { FakeChatServer } from './fake-chat-server';

/** Catalog (PostgreSQL) + demo model + embedded vectors + in-process indexer + insights, as the API composes them. */
const startStack = (env: Record<string, string> = {}) =>
  startIndexingStack(
    { LOG_LEVEL: 'silent', ...env },
    {
      role: 'worker',
      modules: [AttributesModule.forRoot(), VqaModule.forRoot(), DescriptionsModule.forRoot()],
      migrations: [...ATTRIBUTE_MIGRATIONS, ...DESCRIPTION_MIGRATIONS],
    },
  );

describe('insights on the indexing stack (PostgreSQL, demo model, in-process queue)', () => {
  let stack: IndexingStack;
  let products: ProductRepository;
  let queue: JobQueue;
  let attributeStore: AttributeRepository;
  let extractor: AttributeExtractor;
  let embedder: EmbeddingProvider;
  // A slice of the demo catalog across categories, with and without colours.
  const sample = demoProducts().filter((_, i) => i % 24 === 0);
  let picturesEmbeddedByIndexing = 0;

  beforeAll(async () => {
    stack = await startStack();
    products = stack.app.get(ProductRepository);
    queue = stack.app.get(JOB_QUEUE);
    attributeStore = stack.app.get(AttributeRepository);
    extractor = stack.app.get(AttributeExtractor);
    embedder = stack.app.get(EMBEDDING_PROVIDER);
    const before = embedder.stats().images.items;
    const result = await products.upsertMany(sample.map((p) => productAsInput(p)));
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(queue, 120_000);
    picturesEmbeddedByIndexing = embedder.stats().images.items - before;
  }, 180_000);
  afterAll(() => stack && destroyStack(stack));

  it('extracts and stores every attribute of each indexed product, with model id and confidence', async () => {
    expect(sample.length).toBeGreaterThanOrEqual(20);
    for (const s of sample) {
      const p = (await products.getBySku(s.sku))!;
      const stored = await attributeStore.forProduct(p.id);
      expect(stored.map((a) => `${a.attribute}/${a.source}`).sort()).toEqual(
        ['colour/pixels', ...ATTRIBUTE_NAMES.map((a) => `${a}/zero-shot`)].sort(),
      );
      for (const a of stored) {
        expect(a.contentHash).toBe(p.contentHash);
        expect(a.confidence).toBeGreaterThanOrEqual(0);
        expect(a.confidence).toBeLessThanOrEqual(1);
        expect(a.modelId).toBe(a.source === 'pixels' ? PIXELS_MODEL_ID : embedder.modelId);
      }
      const category = stored.find((a) => a.attribute === 'category')!;
      // The category vocabulary is the catalog's own categories.
      expect(sample.map((x) => x.category)).toContain(category.value);
    }
    expect(await attributeStore.counts()).toEqual({
      products: sample.length,
      current: sample.length,
    });
  });

  it("reads attributes from the indexer's own embedding: indexing with extraction runs the model once per picture", () => {
    const pictures = sample.reduce((n, p) => n + p.images.length, 0);
    expect(pictures).toBeGreaterThanOrEqual(sample.length);
    expect(picturesEmbeddedByIndexing).toBe(pictures);
  });

  it('stores the same attributes from the indexed picture as when it reads the picture itself', async () => {
    for (const s of sample.slice(0, 5)) {
      const p = (await products.getBySku(s.sku))!;
      const indexed = await attributeStore.forProduct(p.id);
      expect(await extractor.extractProduct(p.id, { force: true })).toMatchObject({ status: 'extracted' });
      const read = await attributeStore.forProduct(p.id);
      const byName = (list: typeof read) => new Map(list.map((a) => [`${a.attribute}/${a.source}`, a]));
      const again = byName(read);
      for (const a of indexed) {
        expect(again.get(`${a.attribute}/${a.source}`)?.value).toBe(a.value);
        expect(again.get(`${a.attribute}/${a.source}`)?.confidence).toBeCloseTo(a.confidence, 3);
      }
    }
  });

  it('pixel colours agree with the catalog colour of most sample products that have one', async () => {
    let agree = 0;
    let total = 0;
    for (const s of sample.filter((x) => typeof x.attributes.color === 'string')) {
      const p = (await products.getBySku(s.sku))!;
      const colour = (await attributeStore.forProduct(p.id)).find((a) => a.source === 'pixels')!;
      total++;
      if (colour.value === s.attributes.color) agree++;
    }
    expect(total).toBeGreaterThan(10);
    expect(agree / total).toBeGreaterThan(0.6);
  });

  it('does not read the picture again for unchanged content, and does after a change', async () => {
    const p = (await products.getBySku(sample[0]!.sku))!;
    const before = embedder.stats().images.items;
    expect(await extractor.extractProduct(p.id)).toEqual({ status: 'unchanged', productId: p.id });
    expect(embedder.stats().images.items).toBe(before);

    const result = await products.upsertMany([productAsInput(p, { title: `${p.title} Deluxe` })]);
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(queue);
    const stored = await attributeStore.forProduct(p.id);
    expect(new Set(stored.map((a) => a.contentHash))).toEqual(new Set([result.changed[0]!.contentHash]));
  });

  it('forgets attributes of a product whose picture is gone, and of a deleted product', async () => {
    const p = (await products.getBySku(sample[1]!.sku))!;
    await products.upsertMany([productAsInput(p, { images: [] })]);
    expect(await extractor.extractProduct(p.id)).toMatchObject({ status: 'no-image' });
    expect(await attributeStore.forProduct(p.id)).toEqual([]);

    const q = (await products.getBySku(sample[2]!.sku))!;
    expect((await attributeStore.forProduct(q.id)).length).toBeGreaterThan(0);
    await products.delete([q.id]);
    expect(await attributeStore.forProduct(q.id)).toEqual([]);
    expect(await extractor.extractProduct(q.id)).toMatchObject({ status: 'missing' });
  });

  it('answers from stored attributes when the catalog has no colour, if they are confident enough', async () => {
    const s = sample.find((x) => x.attributes.color === undefined && x.images.length > 0)!;
    const p = (await products.getBySku(s.sku))!;
    const vqa = stack.app.get(VqaService);
    const colour = (value: string, confidence: number, source: 'pixels' | 'zero-shot') => ({
      attribute: 'colour' as const,
      value,
      confidence,
      source,
      modelId: source === 'pixels' ? PIXELS_MODEL_ID : embedder.modelId,
      details: {},
    });
    await attributeStore.replace(p.id, p.contentHash, [
      colour('purple', 0.95, 'pixels'),
      colour('green', 0.99, 'zero-shot'),
    ]);
    // Pixels are preferred for colour when they are sure enough.
    expect(await vqa.askAboutProduct(p.id, 'What colour is it?')).toMatchObject({
      source: 'stored-attributes',
      value: 'purple',
      confidence: 0.95,
    });
    expect(await vqa.askAboutProduct(p.id, 'Is it purple?')).toMatchObject({
      source: 'stored-attributes',
      value: 'yes',
    });

    // Unsure (below ATTRIBUTE_MIN_CONFIDENCE) or stale stored attributes are not facts: the picture is looked at.
    await attributeStore.replace(p.id, p.contentHash, [colour('purple', 0.3, 'pixels')]);
    expect((await vqa.askAboutProduct(p.id, 'What colour is it?')).source).toBe('image-pixels');
    await attributeStore.replace(p.id, 'an older content hash', [colour('purple', 0.95, 'pixels')]);
    expect((await vqa.askAboutProduct(p.id, 'What colour is it?')).source).toBe('image-pixels');
  });

  describe('description drafts', () => {
    let descriptions: DescriptionService;
    let target: Product;

    beforeAll(async () => {
      descriptions = stack.app.get(DescriptionService);
      const s = sample[5]!;
      const result = await products.upsertMany([productAsInput(s, { description: null })]);
      await stack.app.get(IndexingScheduler).productsChanged(result.changed);
      await waitForIdle(queue);
      target = (await products.getBySku(s.sku))!;
    });

    it('stores a draft with its provenance, and publishes it as the description when approved', async () => {
      const draft = await descriptions.generate(target.id, 'detailed');
      expect(draft).toMatchObject({
        productId: target.id,
        style: 'detailed',
        status: 'draft',
        generator: TEMPLATE_GENERATOR,
        contentHash: target.contentHash,
      });
      const facts = draft.inputs.facts as { key: string; source: string }[];
      expect(facts.find((f) => f.key === 'title')).toMatchObject({ source: 'catalog' });
      expect(draft.confidence).toBeGreaterThan(0);

      const { draft: approved, published } = await descriptions.review(draft.id, 'approve', 'looks right');
      expect(approved).toMatchObject({ status: 'approved', reviewNote: 'looks right' });
      expect(approved.reviewedAt).toBeInstanceOf(Date);
      expect(published?.id).toBe(target.id);
      expect((await products.getById(target.id))!.description).toBe(draft.text);

      await expect(descriptions.review(draft.id, 'reject')).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('refuses to publish a draft written for older content, and rejects without publishing', async () => {
      const current = (await products.getById(target.id))!;
      const draft = await descriptions.generate(current.id, 'short');
      await products.upsertMany([productAsInput(current, { title: `${current.title} (2024)` })]);
      await expect(descriptions.review(draft.id, 'approve')).rejects.toMatchObject({ code: 'CONFLICT' });
      const rejected = await descriptions.review(draft.id, 'reject', 'stale');
      expect(rejected).toMatchObject({ draft: { status: 'rejected' }, published: undefined });
      expect((await products.getById(target.id))!.title).toBe(`${current.title} (2024)`);
      await expect(
        descriptions.review('00000000-0000-4000-8000-000000000000', 'approve'),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('generates drafts in bulk for every product lacking a description, once', async () => {
      const bare = sample.slice(6, 10);
      await products.upsertMany(bare.map((p) => productAsInput(p, { description: null })));
      const lacking = await descriptions.countMissing('bullets');
      expect(lacking).toBeGreaterThanOrEqual(bare.length);
      const first = await descriptions.generateMissing('bullets', 2);
      expect(first).toEqual({ generated: 2, failed: 0, remaining: lacking - 2 });
      const rest = await descriptions.generateMissing('bullets', 100);
      expect(rest).toEqual({ generated: lacking - 2, failed: 0, remaining: 0 });
      expect(await descriptions.generateMissing('bullets', 100)).toEqual({
        generated: 0,
        failed: 0,
        remaining: 0,
      });
      for (const s of bare) {
        const p = (await products.getBySku(s.sku))!;
        const drafts = await descriptions.drafts(p.id);
        expect(drafts.filter((d) => d.style === 'bullets')).toHaveLength(1);
      }
    });
  });
});

describe('descriptions through the OpenAI-compatible endpoint', () => {
  let stack: IndexingStack;
  let server: FakeChatServer;
  let product: Product;

  beforeAll(async () => {
    server = await FakeChatServer.start();
    stack = await startStack({
      ANSWERER_URL: server.url,
      ANSWERER_MODEL: 'fake-vlm',
      ATTRIBUTE_EXTRACTION: 'false',
    });
    const s = demoProducts().find((p) => p.attributes.color === 'red' && p.price)!;
    const products = stack.app.get(ProductRepository);
    await products.upsertMany([productAsInput(s)]);
    product = (await products.getBySku(s.sku))!;
  }, 120_000);
  afterAll(async () => {
    if (stack) await destroyStack(stack);
    await server?.close();
  });

  it("keeps the model's text when it agrees with the facts", async () => {
    server.reply({ content: `${product.title}: a red favourite from ${product.brand}.` });
    const draft = await stack.app.get(DescriptionService).generate(product.id, 'short');
    expect(draft).toMatchObject({
      generator: 'remote:fake-vlm',
      text: `${product.title}: a red favourite from ${product.brand}.`,
    });
    const sent = server.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[1]!.content).toContain(`colour: red`);
    expect(sent.messages[0]!.content).toMatch(/Use only the facts given/);
  });

  it('discards a text that contradicts the catalog and keeps the template instead, recording why', async () => {
    server.reply({ content: `${product.title} in bright blue, only ${product.price!.currency} 1.00!` });
    const draft = await stack.app.get(DescriptionService).generate(product.id, 'short');
    expect(draft.generator).toBe(TEMPLATE_GENERATOR);
    const rejected = draft.inputs.rejected as { generator: string; contradictions: { field: string }[] };
    expect(rejected.generator).toBe('remote:fake-vlm');
    expect(rejected.contradictions.map((c) => c.field).sort()).toEqual(['colour', 'price']);
    expect(
      findContradictions(draft.text, product, [], {
        colours: stack.app.get(ColourNamer),
        materials: [],
      }),
    ).toEqual([]);
  });

  it('falls back to the template when the endpoint is down', async () => {
    server.reply({ status: 500, raw: 'boom' });
    const draft = await stack.app.get(DescriptionService).generate(product.id, 'seo');
    expect(draft.generator).toBe(TEMPLATE_GENERATOR);
  });
});
