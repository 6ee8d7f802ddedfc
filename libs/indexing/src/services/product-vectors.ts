import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { DomainError } from '@vitrine/core';
import type { ImageFetchOutcome, Product } from '@vitrine/catalog';
import {
  meanDirection,
  type DecodedImage,
  type Embedding,
  type EmbeddingProvider,
  type ImageOutcome,
  type ImageSource,
} from '@vitrine/embedding';
import type { PointInput, ProductPayload, VectorName } from '@vitrine/vectors';
import type { IndexedPicture } from './attribute-extraction.port';

/** What embedding one product produced. */
export interface ProductVectors {
  readonly point: PointInput;
  /** Per image, what fetching/decoding it gave (for the catalog's image status). */
  readonly images: ReadonlyArray<{
    readonly imageId: string;
    readonly uri: string;
    readonly outcome: ImageFetchOutcome;
  }>;
  /** Images that could not be used; the product is still indexed when at least one image (or no image) worked. */
  readonly imageErrors: readonly DomainError[];
  /** The product's first image as read and embedded, when it worked (attribute extraction reuses it). */
  readonly firstPicture?: IndexedPicture;
}

/**
 * The text the text vector is computed from: what a shopper would type first comes first, since the tokenizer
 * truncates to the model's context (77 tokens for CLIP).
 */
export function productText(p: Pick<Product, 'title' | 'brand' | 'category' | 'description'>): string {
  return [p.title, p.brand, p.category, p.description]
    .filter((s): s is string => !!s && s.trim() !== '')
    .join('. ');
}

/** The filterable fields stored next to the vectors. Non-scalar attribute values are not filterable and left out. */
export function productPayload(p: Product, modelId: string): ProductPayload {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(p.attributes)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
  }
  return {
    sku: p.sku,
    ...(p.category ? { category: p.category } : {}),
    ...(p.brand ? { brand: p.brand } : {}),
    ...(p.price ? { price: Number(p.price.amount), currency: p.price.currency } : {}),
    inStock: p.inStock,
    attributes,
    contentHash: p.contentHash,
    modelId,
  };
}

/** An image's outcome, with the pixels the model was given when they were kept. */
type PictureOutcome =
  | { readonly ok: true; readonly embedding: Embedding; readonly decoded?: DecodedImage }
  | Extract<ImageOutcome, { ok: false }>;

/** Indexing is background work: a search's query goes before it (and beside it, with a second model session). */
const BULK = { priority: 'bulk' } as const;

/**
 * Computes a product's point: the text vector from {@link productText}, and the image vector as the normalised
 * mean of its images' embeddings (one point per product, so a product with five photos is one search hit).
 * A product whose every image fails is a permanent failure carrying the first image's reason; transient errors
 * (a 503, a timeout) are thrown so the job is retried.
 */
export class ProductVectorizer {
  constructor(
    private readonly embedder: EmbeddingProvider,
    private readonly images: ImageSource,
  ) {}

  /**
   * One picture's embedding; with `keepPixels` (the first picture, which attribute extraction reads) also the
   * pixels the model was given, where the provider hands them back, so that picture is decoded once.
   */
  private async embedImage(bytes: Buffer, keepPixels: boolean): Promise<PictureOutcome> {
    try {
      if (keepPixels && this.embedder.embedImageDecoded) {
        const { embedding, decoded } = await this.embedder.embedImageDecoded(bytes, BULK);
        return { ok: true, embedding, decoded };
      }
      return { ok: true, embedding: await this.embedder.embedImage(bytes, BULK) };
    } catch (e) {
      if (e instanceof DomainError && !e.transient) return { ok: false, error: e };
      throw e;
    }
  }

  async vectorize(product: Product): Promise<ProductVectors> {
    const loaded = await Promise.all(
      product.images.map(async (img) => {
        try {
          return { img, bytes: await this.images.load(img.uri) };
        } catch (e) {
          if (e instanceof DomainError && !e.transient) return { img, error: e };
          throw e;
        }
      }),
    );
    const usable = loaded.filter(
      (l): l is { img: (typeof loaded)[number]['img']; bytes: Buffer } => 'bytes' in l,
    );
    // Single requests, not array calls: the provider coalesces the requests of concurrent jobs into shared model
    // batches, so one batch serves several products. At bulk priority: searches go first.
    const [textEmbedding, imageOutcomes] = await Promise.all([
      this.embedder.embedText(productText(product), BULK),
      Promise.all(usable.map((u) => this.embedImage(u.bytes, u.img === product.images[0]))),
    ]);

    const records: ProductVectors['images'][number][] = [];
    const errors: DomainError[] = [];
    const vectors: Float32Array[] = [];
    for (const l of loaded) {
      if ('error' in l && l.error) {
        errors.push(l.error);
        records.push({
          imageId: l.img.id,
          uri: l.img.uri,
          outcome: { status: 'failed', error: describe(l.error) },
        });
      }
    }
    await Promise.all(
      usable.map(async (u, i) => {
        const outcome = imageOutcomes[i]!;
        if (!outcome.ok) {
          errors.push(outcome.error);
          records.push({
            imageId: u.img.id,
            uri: u.img.uri,
            outcome: { status: 'failed', error: describe(outcome.error) },
          });
          return;
        }
        vectors.push(outcome.embedding.vector);
        const meta = await sharp(u.bytes).metadata();
        records.push({
          imageId: u.img.id,
          uri: u.img.uri,
          outcome: {
            status: 'ok',
            sha256: createHash('sha256').update(u.bytes).digest('hex'),
            width: meta.autoOrient?.width ?? meta.width ?? null,
            height: meta.autoOrient?.height ?? meta.height ?? null,
          },
        });
      }),
    );

    if (product.images.length > 0 && vectors.length === 0) {
      const first = errors[0]!;
      throw new DomainError(first.code, `no usable image: ${describe(first)}`, {
        ...first.details,
        transient: false,
      });
    }
    const first = product.images[0];
    const firstIndex = usable.findIndex((u) => u.img === first);
    const firstOutcome = firstIndex === -1 ? undefined : imageOutcomes[firstIndex];
    const named: Partial<Record<VectorName, Float32Array>> = { text: textEmbedding.vector };
    if (vectors.length > 0) named.image = meanDirection(vectors);
    return {
      point: { id: product.id, vectors: named, payload: productPayload(product, this.embedder.modelId) },
      images: records,
      imageErrors: errors,
      ...(first && firstOutcome?.ok
        ? {
            firstPicture: {
              uri: first.uri,
              bytes: usable[firstIndex]!.bytes,
              embedding: firstOutcome.embedding.vector,
              ...(firstOutcome.decoded ? { decoded: firstOutcome.decoded } : {}),
            },
          }
        : {}),
    };
  }
}

function describe(e: DomainError): string {
  return `${e.code}: ${e.message}`;
}
