/** A JSON value as stored in `products.attributes` (jsonb). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A price: `amount` is an exact decimal string (never a float), `currency` an ISO 4217 code. */
export interface Money {
  /** Canonical decimal: no exponent, no leading `+`, no trailing zeros after the point (`"19.9"`, `"5"`). */
  readonly amount: string;
  /** Upper-case ISO 4217 code, e.g. `EUR`. */
  readonly currency: string;
}

/** A product's title and description in one locale. */
export interface LocalizedText {
  readonly title: string;
  readonly description: string | null;
}

/** Text per canonical BCP 47 tag (`zh`, `zh-Hans`, `ja`), besides the catalog's own `title`/`description`. */
export type Translations = Readonly<Record<string, LocalizedText>>;

/** What a caller writes: a product keyed by its SKU. Images are URIs (`https://…` or `file://…`) in display order. */
export interface ProductInput {
  readonly sku: string;
  readonly title: string;
  readonly description: string | null;
  readonly brand: string | null;
  readonly category: string | null;
  readonly price: Money | null;
  readonly inStock: boolean;
  readonly attributes: Readonly<Record<string, JsonValue>>;
  readonly images: readonly string[];
  /**
   * Title and description per locale (canonical tags). Absent means none: an upsert replaces the stored set with
   * the given one, so a product written without them has none afterwards.
   */
  readonly translations?: Translations;
}

export const IMAGE_STATUSES = ['pending', 'ok', 'failed'] as const;
/** `pending` until the indexer fetched the bytes; then `ok` (sha256/size known) or `failed` (with `error`). */
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export interface ProductImage {
  readonly id: string;
  /** 0-based display order. */
  readonly position: number;
  readonly uri: string;
  /** Hex sha256 of the image bytes, once fetched. */
  readonly sha256: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly status: ImageStatus;
  readonly error: string | null;
}

/** A stored product. */
export interface Product extends Omit<ProductInput, 'images'> {
  readonly id: string;
  readonly images: readonly ProductImage[];
  /** See {@link productContentHash}: changes exactly when the embeddings of this product must be recomputed. */
  readonly contentHash: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The input that writes `product` back as it is (an upsert of it changes nothing), with `changes` applied. */
export function productAsInput(product: Product, changes: Partial<ProductInput> = {}): ProductInput {
  return {
    sku: product.sku,
    title: product.title,
    description: product.description,
    brand: product.brand,
    category: product.category,
    price: product.price,
    inStock: product.inStock,
    attributes: product.attributes,
    images: product.images.map((i) => i.uri),
    // Only when there are some: a product without translations reads back as the input that wrote it.
    ...(product.translations && Object.keys(product.translations).length > 0
      ? { translations: product.translations }
      : {}),
    ...changes,
  };
}

/** A product that {@link ProductRepository.upsertMany} created or updated. */
export interface ChangedProduct {
  readonly id: string;
  readonly sku: string;
  readonly contentHash: string;
  readonly change: 'created' | 'updated';
}

export interface UpsertResult {
  readonly created: number;
  readonly updated: number;
  /** Rows whose stored values already equalled the input: not written, `updatedAt` untouched. */
  readonly unchanged: number;
  /** Created and updated products (any field changed, not only the content hash). Empty in a dry run. */
  readonly changed: readonly ChangedProduct[];
}

/** Outcome of fetching an image, recorded by {@link ProductRepository.recordImageFetch}. */
export type ImageFetchOutcome =
  | {
      readonly status: 'ok';
      readonly sha256: string;
      readonly width: number | null;
      readonly height: number | null;
    }
  | { readonly status: 'failed'; readonly error: string };
