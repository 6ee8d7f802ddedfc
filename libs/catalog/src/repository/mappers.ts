import { canonicalAmount } from '../domain/money';
import type { ImageStatus, Product, ProductImage } from '../domain/product';
import type { IndexState, IndexStatus } from '../domain/index-state';
import type { ProductEntity, ProductImageEntity, ProductIndexStateEntity } from '../database/entities';

export function toProduct(row: ProductEntity, images: readonly ProductImageEntity[]): Product {
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    brand: row.brand,
    category: row.category,
    price:
      row.priceAmount !== null && row.priceCurrency !== null
        ? { amount: canonicalAmount(row.priceAmount), currency: row.priceCurrency }
        : null,
    inStock: row.inStock,
    attributes: row.attributes,
    translations: row.translations ?? {},
    images: [...images].sort((a, b) => a.position - b.position).map(toImage),
    contentHash: row.contentHash,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toImage(row: ProductImageEntity): ProductImage {
  return {
    id: row.id,
    position: row.position,
    uri: row.uri,
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    // The CHECK constraint guarantees the value set.
    status: row.status as ImageStatus,
    error: row.error,
  };
}

export function toIndexState(row: ProductIndexStateEntity): IndexState {
  return {
    productId: row.productId,
    modelId: row.modelId,
    status: row.status as IndexStatus,
    vectorContentHash: row.vectorContentHash,
    indexedAt: row.indexedAt,
    error: row.error,
    updatedAt: row.updatedAt,
  };
}
