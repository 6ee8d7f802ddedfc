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
 * With attribute extraction on, the indexer decodes each picture once: the colour analysis reads the pixels the
 * model was given (issue 16, goal 4). Counted on the real decoder (a spy that calls through), with the real
 * model, PostgreSQL and embedded store.
 */
describe('indexing with attribute extraction decodes each picture once', () => {
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

  it('runs one decode per product and still stores its pixel colour', async () => {
    expect(sample.length).toBeGreaterThanOrEqual(8);
    const products = stack.app.get(ProductRepository);
    const decodes = jest.spyOn(ImagePreprocessor.prototype, 'decode');
    const result = await products.upsertMany(sample.map((p) => productAsInput(p)));
    await stack.app.get(IndexingScheduler).productsChanged(result.changed);
    await waitForIdle(stack.app.get<JobQueue>(JOB_QUEUE), 120_000);

    expect(decodes).toHaveBeenCalledTimes(sample.length);
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
});
