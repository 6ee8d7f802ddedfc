import { Inject, Injectable } from '@nestjs/common';
import { ATTRIBUTE_NAMES, AttributeRepository, usableAsFact } from '@vitrine/attributes';
import { ProductRepository } from '@vitrine/catalog';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { canonicalAttribute, type FacetAttributeSource } from '@vitrine/search';

/**
 * Search facets' view of the attributes read from product pictures (libs/attributes): a value counts when it may
 * stand as a fact, as product answers use them — read under the product's current content, at least
 * `ATTRIBUTE_MIN_CONFIDENCE` sure, and for zero-shot values at or above the attribute's calibrated threshold.
 * `category` is left out: the catalog's own category is the category facet.
 */
@Injectable()
export class PictureFacetAttributes implements FacetAttributeSource {
  private static readonly NAMES = ATTRIBUTE_NAMES.filter((n) => n !== 'category');

  constructor(
    private readonly attributes: AttributeRepository,
    private readonly products: ProductRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  names(): Promise<readonly string[]> {
    return Promise.resolve(PictureFacetAttributes.NAMES);
  }

  async values(
    productIds: readonly string[],
    requested: readonly string[],
  ): Promise<{ productId: string; attribute: string; value: string }[]> {
    const wanted = new Set(requested.map(canonicalAttribute));
    const names = PictureFacetAttributes.NAMES.filter((n) => wanted.has(canonicalAttribute(n)));
    if (names.length === 0 || productIds.length === 0) return [];
    const stored = await this.attributes.forProducts(productIds, names);
    if (stored.length === 0) return [];
    const hashes = new Map(
      (await this.products.getByIds([...new Set(stored.map((s) => s.productId))])).map((p) => [
        p.id,
        p.contentHash,
      ]),
    );
    const min = this.config.insights.attributeMinConfidence;
    return stored.flatMap((s) => {
      const contentHash = hashes.get(s.productId);
      return contentHash !== undefined && usableAsFact(s, { contentHash }, min)
        ? [{ productId: s.productId, attribute: canonicalAttribute(s.attribute), value: s.value }]
        : [];
    });
  }
}
