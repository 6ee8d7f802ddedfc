import { ProductRepository, productAsInput } from '@vitrine/catalog';
import { ImagePreprocessor } from '@vitrine/embedding';
import { IndexingScheduler, JOB_QUEUE, type JobQueue } from '@vitrine/indexing';
import { destroyStack, startIndexingStack, type IndexingStack } from '../../../../test/support/indexing-app';
import { waitForIdle } from '../../../../test/support/queue-idle';
import { demoProducts } from '../../../../test/insights/demo-products';
import { ATTRIBUTE_MIGRATIONS } from '../migrations/1764700000000-product-insights';
import { AttributesModule } from '../attributes.module';
import { AttributeRepository } from '../storage/attribute.repository';
import { PIXELS_MODEL_ID } from '../colour/dominant-colours';

/**
 * With attribute extraction on, the indexer decodes each picture once (the colour analysis reads the pixels the
 * model was given) and its concurrent jobs share the attribute rows' statements (issue 16, goal 4). Counted on the
 * real decoder and repository (spies that call through), with the real model, PostgreSQL and embedded store.
 */
describe('indexing with attribute extraction', () => {
  let stack: IndexingStack;
  const sample = demoProducts()
    .filter((p) => p.images.length === 1)
    .filter((_, i) => i % 40 === 0);

  beforeAll(async () => {
    stack = await startIndexingStack(
      { LOG_LEVEL: 'silent', ATTRIBUTE_EXTRACTION: 'true' },
      { role: 'worker', modules: [AttributesModule.forRoot()], migrations: [...ATTRIBUTE_MIGRATIONS] },
    );
  }, 60_000);
  afterAll(() => stack && destroyStack(stack));
  afterEach(() => jest.restoreAllMocks());

  it('runs one decode per product, shares the attribute writes, and stores every pixel colour', async () => {
    expect(sample.length).toBeGreaterThanOrEqual(8);
    const products = stack.app.get(ProductRepository);
    const decodes = jest.spyOn(ImagePreprocessor.prototype, 'decode');
    const writes = jest.spyOn(stack.app.get(AttributeRepository), 'replaceMany');
    const result = await products.upsertMany(sample.map((p) => productAsInput(p)));
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(stack.app.get<JobQueue>(JOB_QUEUE), 120_000);

    expect(decodes).toHaveBeenCalledTimes(sample.length);
    expect(writes.mock.calls.flatMap(([items]) => items)).toHaveLength(sample.length);
    expect(writes.mock.calls.length).toBeLessThan(sample.length);
    const attributes = stack.app.get(AttributeRepository);
    for (const s of sample) {
      const p = (await products.getBySku(s.sku))!;
      const colour = (await attributes.forProduct(p.id)).find(
        (a) => a.attribute === 'colour' && a.source === 'pixels',
      );
      expect(colour).toMatchObject({ modelId: PIXELS_MODEL_ID, contentHash: p.contentHash });
      expect(colour!.confidence).toBeGreaterThan(0);
    }
  });

  it('writes the rows of several products at once, and answers false for one deleted meanwhile', async () => {
    const products = stack.app.get(ProductRepository);
    const attributes = stack.app.get(AttributeRepository);
    const [a, b] = await Promise.all(sample.slice(0, 2).map(async (s) => (await products.getBySku(s.sku))!));
    const set = (value: string) => [
      {
        attribute: 'colour' as const,
        source: 'pixels' as const,
        value,
        confidence: 0.9,
        modelId: PIXELS_MODEL_ID,
        details: {},
      },
    ];
    expect(
      await attributes.replaceMany([
        { productId: a!.id, contentHash: 'h1', attributes: set('red') },
        { productId: b!.id, contentHash: 'h2', attributes: set('blue') },
      ]),
    ).toEqual([true, true]);
    expect((await attributes.forProduct(a!.id)).map((x) => [x.value, x.contentHash])).toEqual([
      ['red', 'h1'],
    ]);
    expect((await attributes.forProduct(b!.id)).map((x) => [x.value, x.contentHash])).toEqual([
      ['blue', 'h2'],
    ]);

    await products.delete([b!.id]);
    expect(
      await attributes.replaceMany([
        { productId: a!.id, contentHash: 'h3', attributes: set('green') },
        { productId: b!.id, contentHash: 'h3', attributes: set('green') },
      ]),
    ).toEqual([true, false]);
    expect((await attributes.forProduct(a!.id)).map((x) => x.value)).toEqual(['green']);
    expect(await attributes.forProduct(b!.id)).toEqual([]);
  });
});
