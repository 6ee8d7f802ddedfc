import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import type { Product, ProductRepository } from '@vitrine/catalog';
import type { DecodedImage, EmbeddingProvider, ImageSource } from '@vitrine/embedding';
import { coalesce, type AttributeExtractionPort, type IndexedPicture } from '@vitrine/indexing';
import type { ImageAnalyser } from '../image/image-analyser';
import type { AttributeRepository } from '../storage/attribute.repository';
import { colourDominance, PIXELS_MODEL_ID, type ColourAnalysis } from '../colour/dominant-colours';
import type { ZeroShotClassifier } from '../zero-shot/zero-shot-classifier';
import { ATTRIBUTE_NAMES, type Vocabularies } from '../zero-shot/vocabularies';
import type { ExtractedAttribute, StoredAttribute } from './extracted-attribute';

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
export class AttributeExtractor implements AttributeExtractionPort {
  private readonly log = new Logger('Attributes');

  /**
   * The stored attributes of a product, and a product's new set written: the reads and the writes of the jobs
   * that ask in the same event-loop turn share one statement (the indexer runs its jobs side by side).
   */
  private readonly storedFor: (
    productId: string,
  ) => Promise<Pick<StoredAttribute, 'source' | 'modelId' | 'contentHash'>[]>;
  private readonly write: (item: {
    productId: string;
    contentHash: string;
    attributes: ExtractedAttribute[];
  }) => Promise<boolean>;

  constructor(
    private readonly products: ProductRepository,
    private readonly store: AttributeRepository,
    private readonly images: ImageSource,
    private readonly embedder: EmbeddingProvider,
    private readonly analyser: ImageAnalyser,
    private readonly classifier: ZeroShotClassifier,
    private readonly vocabularies: () => Promise<Vocabularies>,
  ) {
    this.storedFor = coalesce(async (ids: string[]) => {
      const rows = await store.stamps([...new Set(ids)], ATTRIBUTE_NAMES);
      return ids.map((id) => rows.filter((r) => r.productId === id));
    });
    this.write = coalesce((items) => store.replaceMany(items));
  }

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
    return this.extract(
      product,
      first && (async () => this.extractImage(await this.images.load(first.uri))),
      options,
    );
  }

  /**
   * The attributes of a product the indexer has just embedded, from the picture it read and the embedding it
   * computed (the indexer's `extractIndexed` port): the colours come from the pixels the model was given when the
   * indexer kept them, else from a small decode of their own. A picture that is no longer the product's first goes the long way ({@link extractProduct}).
   */
  async extractIndexed(product: Product, picture: IndexedPicture): Promise<ExtractionOutcome> {
    if (product.images[0]?.uri !== picture.uri) return this.extractProduct(product.id);
    return this.extract(product, () => this.extractImage(picture.bytes, picture.embedding, picture.decoded));
  }

  private async extract(
    product: Product,
    read: (() => Promise<ExtractedAttribute[]>) | undefined,
    options: { readonly force?: boolean } = {},
  ): Promise<ExtractionOutcome> {
    const productId = product.id;
    if (!read) {
      await this.store.replace(product.id, product.contentHash, []);
      return { status: 'no-image', productId };
    }
    if (!options.force) {
      const stored = await this.storedFor(product.id);
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
      attributes = await read();
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
    const stored = await this.write({ productId, contentHash: product.contentHash, attributes });
    return stored
      ? { status: 'extracted', productId, attributes: attributes.length }
      : { status: 'missing', productId };
  }

  /**
   * Every attribute of one picture (encoded bytes), with its image embedding and the pixels the model was given
   * when the caller has them already; `DomainError`s for pictures that cannot be decoded. The colours are read
   * from the model's decode whenever there is one (given, or handed back by the provider), so the picture is
   * decoded once and the indexer and the job path give the same colours.
   */
  async extractImage(
    bytes: Uint8Array,
    embedding?: Float32Array,
    decoded?: DecodedImage,
  ): Promise<ExtractedAttribute[]> {
    const [[analysis, vector], vocabularies] = await Promise.all([
      this.read(bytes, embedding, decoded),
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
      const p = await this.classifier.classify(vector, vocabularies[attribute]);
      const threshold = p.calibrated ? this.classifier.factThreshold(attribute) : undefined;
      out.push({
        attribute,
        source: 'zero-shot',
        value: p.value,
        confidence: p.confidence,
        modelId: p.modelId,
        details: {
          calibrated: p.calibrated,
          // The fitted cut in force when read, and whether the value passed it (usableAsFact checks both).
          threshold: threshold ?? null,
          fact: threshold !== undefined && p.confidence >= threshold,
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

  /** The colour analysis and the image vector, with one decode where the provider can share it. */
  private async read(
    bytes: Uint8Array,
    embedding: Float32Array | undefined,
    decoded: DecodedImage | undefined,
  ): Promise<[ColourAnalysis, Float32Array]> {
    if (embedding && decoded) return [this.analyser.coloursOfDecoded(decoded), embedding];
    if (!embedding && this.embedder.embedImageDecoded) {
      const picture = await this.embedder.embedImageDecoded(bytes);
      return [this.analyser.coloursOfDecoded(picture.decoded), picture.embedding.vector];
    }
    return Promise.all([
      this.analyser.colours(bytes),
      embedding ?? this.embedder.embedImage(bytes).then((e) => e.vector),
    ]);
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
