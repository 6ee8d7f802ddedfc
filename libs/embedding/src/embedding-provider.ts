import type { DomainError } from '@vitrine/core';
import type { DecodedImage } from './image/image-preprocessor';

/**
 * One embedding: an L2-normalised vector and the id of the model that produced it. Vectors from different
 * model ids live in different spaces and must never be compared or stored together.
 */
export interface Embedding {
  /** `<name>@<12 hex chars of the ONNX files' sha256>`, e.g. `vitrine-demo-clip@6d340ce395d8`. */
  readonly modelId: string;
  /** Unit length (L2 norm 1), so a dot product is the cosine similarity. */
  readonly vector: Float32Array;
}

/** An image's embedding and the picture as decoded for the model ({@link EmbeddingProvider.embedImageDecoded}). */
export interface EmbeddedPicture {
  readonly embedding: Embedding;
  readonly decoded: DecodedImage;
}

/** The outcome of one image in {@link EmbeddingProvider.embedImagesSettled}. */
export type ImageOutcome =
  { readonly ok: true; readonly embedding: Embedding } | { readonly ok: false; readonly error: DomainError };

/** Cumulative counters since the provider was created; sample before/after a unit of work to get rates. */
export interface EmbeddingStats {
  readonly texts: {
    readonly items: number;
    readonly batches: number;
    /** Tokenisation time, summed over batches. */
    readonly tokenizeMs: number;
    readonly inferenceMs: number;
  };
  readonly images: {
    readonly items: number;
    /** Images refused or undecodable (typed errors), not counted in `items`. */
    readonly failed: number;
    readonly batches: number;
    /**
     * Decode + preprocess time summed over images. Images decode in parallel on libuv threads, so this is
     * CPU-ish time, larger than the wall time it took.
     */
    readonly decodeMs: number;
    readonly inferenceMs: number;
  };
  /** Single requests (`embedText`/`embedImage`) waiting or running right now. */
  readonly pending: number;
}

/**
 * Turns product pictures and words into vectors in one shared space (a CLIP dual encoder). This port is what
 * the rest of the platform depends on; `OnnxEmbeddingProvider` is the adapter.
 *
 * Errors are `DomainError`s: `UNSUPPORTED_MEDIA`, `IMAGE_INVALID`, `IMAGE_TOO_LARGE` for bad images (permanent),
 * `OVERLOADED` when the request queue is full (transient), `UNAVAILABLE` after {@link close}.
 */
export interface EmbeddingProvider {
  /** Identifies the model (name and hash of its weights); every {@link Embedding} carries it. */
  readonly modelId: string;
  /** Vector length. */
  readonly dim: number;
  /** Embeds texts in batches; the result is in input order. Long texts are truncated, never refused. */
  embedTexts(texts: readonly string[]): Promise<Embedding[]>;
  /**
   * Embeds encoded images (JPEG, PNG, WebP, AVIF, GIF first frame) in batches, decoding in parallel with
   * inference. Rejects with the first bad image's `DomainError` (its `details.index` says which); use
   * {@link embedImagesSettled} to keep the good ones.
   */
  embedImages(images: readonly Uint8Array[]): Promise<Embedding[]>;
  /** Like {@link embedImages} but resolves one outcome per image, so one corrupt file does not sink a batch. */
  embedImagesSettled(images: readonly Uint8Array[]): Promise<ImageOutcome[]>;
  /** One text: concurrent calls of the same priority are coalesced into one model run. */
  embedText(text: string, options?: SingleOptions): Promise<Embedding>;
  /** One image: concurrent calls of the same priority are coalesced into one model run. */
  embedImage(image: Uint8Array, options?: SingleOptions): Promise<Embedding>;
  /**
   * {@link embedImage}, handing back the picture as it was decoded for the model too (RGB at the model's input
   * size, centre-cropped as the model saw it), so a caller that also reads the pixels (the indexer's colour
   * analysis) decodes each picture once. Optional: where an adapter lacks it, the caller decodes on its own.
   */
  embedImageDecoded?(image: Uint8Array, options?: SingleOptions): Promise<EmbeddedPicture>;
  /** Counters for decode/preprocess vs inference time. */
  stats(): EmbeddingStats;
  /** Rejects queued requests, waits for the running batch, releases the model. Idempotent. */
  close(): Promise<void>;
}

/** Options of the single-item calls. */
export interface SingleOptions {
  /**
   * `interactive` (default): someone is waiting (a search, a question); runs before queued bulk work and, where
   * the adapter has a second model session, beside it. `bulk`: background work that still comes one item at a
   * time (the indexer's per-product jobs).
   */
  readonly priority?: 'interactive' | 'bulk';
}

/** Nest injection token for the {@link EmbeddingProvider}. */
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');

/** What a batch cost; passed to the `onBatch` hook of the ONNX adapter. */
export interface BatchEvent {
  readonly kind: 'text' | 'image';
  /** `coalesced`: built from concurrent single requests; `bulk`: a slice of an array call. */
  readonly source: 'coalesced' | 'bulk';
  /** Items that reached the model. */
  readonly size: number;
  /** Tokenisation (texts) or summed decode + preprocess time (images) of the batch's items. */
  readonly preprocessMs: number;
  readonly inferenceMs: number;
}

/** Where the adapter writes its one-off operational messages (defaults to Nest's Logger). */
export interface EmbeddingLogger {
  log(message: string): void;
  warn(message: string): void;
}
