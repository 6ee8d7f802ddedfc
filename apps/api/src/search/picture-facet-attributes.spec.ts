import type { AttributeRepository, StoredAttribute } from '@vitrine/attributes';
import type { ProductRepository } from '@vitrine/catalog';
import { loadConfig } from '@vitrine/core';
import { PictureFacetAttributes } from './picture-facet-attributes';

const stored = (productId: string, over: Partial<StoredAttribute>): StoredAttribute => ({
  productId,
  attribute: 'colour',
  value: 'red',
  confidence: 0.9,
  source: 'pixels',
  modelId: 'pixels',
  details: {},
  contentHash: 'h1',
  extractedAt: new Date(0),
  ...over,
});

describe('PictureFacetAttributes', () => {
  const rows = [
    stored('p1', {}),
    // Read under content the product no longer has: not a fact.
    stored('p2', { contentHash: 'old' }),
    // Zero-shot without a calibrated threshold: never a fact.
    stored('p3', { attribute: 'material', value: 'wood', source: 'zero-shot', details: {} }),
    stored('p4', {
      attribute: 'material',
      value: 'Wood',
      source: 'zero-shot',
      details: { calibrated: true, threshold: 0.5 },
    }),
  ];
  const source = new PictureFacetAttributes(
    {
      forProducts: (ids: readonly string[], names: readonly string[]) =>
        Promise.resolve(rows.filter((r) => ids.includes(r.productId) && names.includes(r.attribute))),
    } as unknown as AttributeRepository,
    {
      getByIds: (ids: readonly string[]) => Promise.resolve(ids.map((id) => ({ id, contentHash: 'h1' }))),
    } as unknown as ProductRepository,
    loadConfig({}),
  );

  it('gives only values that stand as facts, under the facet names search uses', async () => {
    expect(await source.values(['p1', 'p2', 'p3', 'p4'], ['color', 'material'])).toEqual([
      { productId: 'p1', attribute: 'color', value: 'red' },
      { productId: 'p4', attribute: 'material', value: 'Wood' },
    ]);
    expect(await source.values(['p1'], ['size'])).toEqual([]);
    expect(await source.names()).not.toContain('category');
  });
});
