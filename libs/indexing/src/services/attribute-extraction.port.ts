import type { Product } from '@vitrine/catalog';
import type { DecodedImage } from '@vitrine/embedding';

/** A product's first picture as the indexer has just read and embedded it. */
export interface IndexedPicture {
  /** The catalog URI it was read from (the product's first image). */
  readonly uri: string;
  /** Its encoded bytes, as fetched. */
  readonly bytes: Buffer;
  /** Its image embedding under the indexer's model (unit length). */
  readonly embedding: Float32Array;
  /**
   * The picture as decoded for the model (RGB at its input size, centre-cropped), when the embedding provider hands
   * it back (`EmbeddingProvider.embedImageDecoded`): the colour analysis reads these pixels instead of
   * decoding the bytes a second time.
   */
  readonly decoded?: DecodedImage;
}

/**
 * Attribute extraction as the indexer needs it (libs/attributes implements it; its `AttributesModule` provides it
 * under {@link ATTRIBUTE_EXTRACTION}). Optional: without a provider the indexer extracts nothing.
 */
export interface AttributeExtractionPort {
  /** Reads the product's picture and stores its attributes; a no-op when they are current (the job's path). */
  extractProduct(productId: string): Promise<unknown>;
  /**
   * Stores the attributes of a product the indexer has just embedded, from the picture it read and the embedding
   * it computed: no second fetch, no second decode (when the picture's pixels come with it), no second model run. A no-op when current.
   */
  extractIndexed(product: Product, picture: IndexedPicture): Promise<unknown>;
}

/** Injection token of the {@link AttributeExtractionPort}. */
export const ATTRIBUTE_EXTRACTION = Symbol('ATTRIBUTE_EXTRACTION');
