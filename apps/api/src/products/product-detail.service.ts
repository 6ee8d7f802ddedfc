import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, NotFoundError, type AppConfig } from '@vitrine/core';
import { pickLocale, ProductRepository, requestedLocale, type Product } from '@vitrine/catalog';
import { AttributeRepository, usableAsFact, type StoredAttribute } from '@vitrine/attributes';
import { DescriptionDraftRepository } from '@vitrine/descriptions';
import type { ExtractedAttributeDto, ProductDetailDto } from './product-detail.dto';

/** Confidences as the API shows them (4 decimals). */
const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** A product page's data: the catalog's product, its usable pictures, confident picture attributes and texts. */
@Injectable()
export class ProductDetailService {
  constructor(
    private readonly products: ProductRepository,
    private readonly attributes: AttributeRepository,
    private readonly drafts: DescriptionDraftRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `NOT_FOUND` for an unknown id (or one that is not a UUID). */
  async detail(id: string, locale?: string): Promise<ProductDetailDto> {
    const wanted = requestedLocale(locale);
    const product = await this.products.getById(id);
    if (!product) throw new NotFoundError('product', id);
    return this.of(product, wanted);
  }

  /** The page of `product`, its title and description in `locale` (canonical) where it has them. */
  async of(product: Product, locale?: string): Promise<ProductDetailDto> {
    const translations = product.translations ?? {};
    const shown = locale === undefined ? undefined : pickLocale(locale, Object.keys(translations));
    const text = shown === undefined ? undefined : translations[shown];
    const [stored, approved] = await Promise.all([
      this.attributes.forProduct(product.id),
      this.drafts.latestApproved(product.id),
    ]);
    const path = `/v1/products/${product.id}`;
    return {
      id: product.id,
      sku: product.sku,
      title: text?.title ?? product.title,
      description: text ? text.description : product.description,
      brand: product.brand,
      category: product.category,
      price: product.price ? { amount: product.price.amount, currency: product.price.currency } : null,
      inStock: product.inStock,
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString(),
      images: product.images
        .filter((i) => i.status !== 'failed')
        .map((i) => ({
          position: i.position,
          url: `${path}/images/${i.position}`,
          width: i.width,
          height: i.height,
        })),
      attributes: {
        catalog: { ...product.attributes },
        extracted: this.confident(stored, product),
      },
      approvedDescription:
        approved && approved.reviewedAt
          ? { text: approved.text, approvedAt: approved.reviewedAt.toISOString() }
          : null,
      links: { similar: `${path}/similar`, ask: `${path}/ask` },
      translations: { ...translations },
      ...(locale !== undefined ? { locale: shown ?? null } : {}),
    };
  }

  /**
   * The attributes product Q&A would state as facts (`usableAsFact`: current content, above ATTRIBUTE_MIN_CONFIDENCE
   * and the attribute's fitted threshold), the most confident value per attribute when two methods read one.
   */
  private confident(stored: readonly StoredAttribute[], product: Product): ExtractedAttributeDto[] {
    const best = new Map<string, StoredAttribute>();
    for (const a of stored) {
      if (!usableAsFact(a, product, this.config.insights.attributeMinConfidence)) continue;
      const seen = best.get(a.attribute);
      if (!seen || a.confidence > seen.confidence) best.set(a.attribute, a);
    }
    return [...best.values()]
      .sort((a, b) => a.attribute.localeCompare(b.attribute))
      .map((a) => ({
        name: a.attribute,
        value: a.value,
        confidence: round(a.confidence),
        source: 'picture',
      }));
  }
}
