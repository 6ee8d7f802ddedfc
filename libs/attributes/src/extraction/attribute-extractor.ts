import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import type { ProductRepository } from '@vitrine/catalog';
import type { EmbeddingProvider, ImageSource } from '@vitrine/embedding';
import type { ImageAnalyser } from '../image/image-analyser';
import type { AttributeRepository } from '../storage/attribute.repository';
import { colourDominance, PIXELS_MODEL_ID } from '../colour/dominant-colours';
import type { ZeroShotClassifier } from '../zero-shot/zero-shot-classifier';
import { ATTRIBUTE_NAMES, type Vocabularies } from '../zero-shot/vocabularies';
import type { ExtractedAttribute } from './extracted-attribute';

export type ExtractionOutcome =
  | { readonly status: 'extracted'; readonly productId: string; readonly attributes: number }
  | { readonly status: 'unchanged' | 'missing' | 'no-image'; readonly productId: string }
  | { readonly status: 'failed'; readonly productId: string; readonly reason: string };

/** Candidates kept with each zero-shot attribute as evidence. */
const KEPT_CANDIDATES = 5;

/**
 * Extracts a product's attributes from its first picture: dominant colours from the pixels (no model), and
 * category, colour, material, pattern and style zero-shot with the CLIP model over the vocabularies. Stores them
 * with model id, confidence and the product content hash they were read under; re-running for unchanged content
 * and models does nothing. A picture that cannot be read is a recorded, permanent failure (returned, not thrown);
 * transient errors (network, overload) are thrown for the queue to retry.
 */
export class AttributeExtractor {
  private readonly log = new Logger('Attributes');

  constructor(
    private readonly products: ProductRepository,
    private readonly store: AttributeRepository,
    private readonly images: ImageSource,
    private readonly embedder: EmbeddingProvider,
    private readonly analyser: ImageAnalyser,
    private readonly classifier: ZeroShotClassifier,
    private readonly vocabularies: () => Promise<Vocabularies>,
  ) {}

  get modelId(): string {
    return this.embedder.modelId;
  }

  async extractProduct(
    productId: string,
    options: { readonly force?: boolean } = {},
  ): Promise<ExtractionOutcome> {
    const product = await this.products.getById(productId);
    if (!product) return { status: 'missing', productId };
    const first = product.images[0];
    if (!first) {
      await this.store.replace(product.id, product.contentHash, []);
      return { status: 'no-image', productId };
    }
    if (!options.force) {
      const stored = await this.store.forProduct(product.id);
      const current =
        stored.length > 0 &&
        stored.every(
          (s) =>
            s.contentHash === product.contentHash && (s.source === 'pixels' || s.modelId === this.modelId),
        );
      if (current) return { status: 'unchanged', productId };
    }
    let attributes: ExtractedAttribute[];
    try {
      attributes = await this.extractImage(await this.images.load(first.uri));
    } catch (e) {
      if (e instanceof DomainError && !e.transient) {
        const reason = `${e.code}: ${e.message}`;
        // Old attributes described a picture that is no longer there.
        await this.store.replace(product.id, product.contentHash, []);
        this.log.warn(`attributes of ${product.sku} (${product.id}) failed: ${reason}`);
        return { status: 'failed', productId, reason };
      }
      throw e;
    }
    const stored = await this.store.replace(product.id, product.contentHash, attributes);
    return stored
      ? { status: 'extracted', productId, attributes: attributes.length }
      : { status: 'missing', productId };
  }

  /** Every attribute of one picture (encoded bytes); `DomainError`s for pictures that cannot be decoded. */
  async extractImage(bytes: Uint8Array): Promise<ExtractedAttribute[]> {
    const [analysis, embedding, vocabularies] = await Promise.all([
      this.analyser.colours(bytes),
      this.embedder.embedImage(bytes),
      this.vocabularies(),
    ]);
    const top = analysis.named[0]!;
    const out: ExtractedAttribute[] = [
      {
        attribute: 'colour',
        source: 'pixels',
        value: top.name,
        confidence: colourDominance(analysis),
        modelId: PIXELS_MODEL_ID,
        details: {
          named: analysis.named.map((c) => ({ name: c.name, share: round(c.share) })),
          clusters: analysis.clusters.map((c) => ({ hex: c.hex, name: c.name, share: round(c.share) })),
          background: analysis.background,
        },
      },
    ];
    for (const attribute of ATTRIBUTE_NAMES) {
      const p = await this.classifier.classify(embedding.vector, vocabularies[attribute]);
      out.push({
        attribute,
        source: 'zero-shot',
        value: p.value,
        confidence: p.confidence,
        modelId: p.modelId,
        details: {
          calibrated: p.calibrated,
          candidates: p.candidates.slice(0, KEPT_CANDIDATES).map((c) => ({
            value: c.value,
            probability: round(c.probability),
            similarity: round(c.similarity),
          })),
        },
      });
    }
    return out;
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
