/**
 * What the `extract-attributes` job needs from attribute extraction (libs/attributes implements it;
 * its `AttributesModule` provides it under {@link ATTRIBUTE_EXTRACTION}). Optional: without a provider the indexer
 * enqueues no extraction jobs.
 */
export interface AttributeExtractionPort {
  /** Reads the product's picture and stores its attributes; a no-op when they are current. */
  extractProduct(productId: string): Promise<unknown>;
}

/** Injection token of the {@link AttributeExtractionPort}. */
export const ATTRIBUTE_EXTRACTION = Symbol('ATTRIBUTE_EXTRACTION');
