import { DomainError } from '@vitrine/core';
import type {
  BatchEvent,
  EmbeddedPicture,
  Embedding,
  EmbeddingLogger,
  EmbeddingProvider,
  EmbeddingStats,
  ImageOutcome,
  SingleOptions,
} from '../embedding-provider';
import { DynamicBatcher, type Settled } from '../batching/dynamic-batcher';
import type { LanePriority } from '../batching/inference-lane';
import { ImagePreprocessor, type DecodedImage } from '../image/image-preprocessor';
import type { ImageSpec } from '../model/model-dir';
import type { PaddingMode, TextTokenizer, TokenBatch } from '../text/text-tokenizer';
import { l2NormalizeRows } from '../vector-math';

/**
 * Where a CLIP export's two graphs run: in this process (onnxruntime sessions) or on an embedding service
 * (KServe v2). Everything around the graphs — tokenising, decoding, batching, admission, counters,
 * normalising — is the {@link EmbeddingPipeline}'s, so both adapters give the same vectors and behave alike.
 */
export interface GraphRunner {
  /**
   * Whether runs of one priority never overlap (the runner queues them, see {@link schedule}): the pipeline then
   * reuses one pixel buffer per priority instead of allocating a multi-megabyte one per batch.
   */
  readonly serialRuns: boolean;
  /**
   * What the graphs take, read before each batch is prepared: the in-process runner knows it from boot; the remote
   * runner asks the service (and checks its model id) until it has, so it may reject with `MODEL_MISMATCH` or
   * `UNAVAILABLE`.
   */
  prepare(): GraphInputs | Promise<GraphInputs>;
  /** Runs `work` (one graph run) when the runner allows: the in-process runner queues searches ahead of bulk. */
  schedule<T>(priority: LanePriority, work: () => Promise<T>): Promise<T>;
  /** Raw `text_embeds` values, `[batch * dim]`. */
  runText(batch: TokenBatch, priority: LanePriority): Promise<Float32Array>;
  /** Raw `image_embeds` values, `[count * dim]`, for pixel values `[count, 3, height, width]`. */
  runVision(pixels: Float32Array, count: number, priority: LanePriority): Promise<Float32Array>;
  /** Called once queued requests are refused: waits for the runs it tracks and frees the graphs or connections. */
  close(): Promise<void>;
}

export interface GraphInputs {
  /** `max_length` for a graph with a fixed sequence length, else what the adapter was configured with. */
  readonly textPadding: PaddingMode;
}

/** The options both adapters take for the pipeline (each documents them for its own case). */
export interface PipelineOptions {
  /** Largest graph run, for array calls and coalesced single calls alike. Default 32. */
  readonly batchSize?: number;
  /** How long a single call may wait for others to share its run. Default 0. */
  readonly maxWaitMs?: number;
  /** Single calls allowed to wait or run at once; more are refused with `OVERLOADED`. Default 1024. */
  readonly queueLimit?: number;
  /** Largest accepted image in pixels (checked from the header). Default 40 megapixels. */
  readonly maxPixels?: number;
  /** Largest accepted encoded image in bytes. Unlimited by default. */
  readonly maxBytes?: number;
  /** Called after every graph run (an exception is logged, not thrown). */
  readonly onBatch?: (event: BatchEvent) => void;
}

interface PipelineSettings {
  readonly batchSize: number;
  readonly queueLimit: number;
  readonly onBatch: ((e: BatchEvent) => void) | undefined;
}

interface Counters {
  textItems: number;
  textBatches: number;
  tokenizeMs: number;
  textInferenceMs: number;
  imageItems: number;
  imageFailed: number;
  imageBatches: number;
  decodeMs: number;
  imageInferenceMs: number;
}

function toDomainError(e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  return new DomainError(
    'IMAGE_INVALID',
    `The image cannot be processed: ${(e as Error).message}`,
    undefined,
    {
      cause: e,
    },
  );
}

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: toDomainError(error) }),
  );
}

function ranges(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/**
 * The {@link EmbeddingProvider} over a {@link GraphRunner}: tokenises texts and decodes and preprocesses pictures
 * here, coalesces concurrent single calls on one {@link DynamicBatcher} per kind and priority (searches are
 * `interactive`, indexing `bulk`), refuses single calls past `queueLimit` with `OVERLOADED`, decodes the next
 * chunk of an array call while the current one runs, L2-normalises the graphs' outputs and counts it all.
 */
export abstract class EmbeddingPipeline<R extends GraphRunner = GraphRunner> implements EmbeddingProvider {
  private readonly textBatchers: Record<LanePriority, DynamicBatcher<string, Float32Array>>;
  private readonly imageBatchers: Record<
    LanePriority,
    DynamicBatcher<Promise<Settled<DecodedImage>>, Float32Array>
  >;
  private readonly c: Counters = {
    textItems: 0,
    textBatches: 0,
    tokenizeMs: 0,
    textInferenceMs: 0,
    imageItems: 0,
    imageFailed: 0,
    imageBatches: 0,
    decodeMs: 0,
    imageInferenceMs: 0,
  };
  private closing: Promise<void> | undefined;
  private readonly pixels: Partial<Record<LanePriority, Float32Array>> = {};
  /** Decoder/preprocessor for this model's input size: usable on its own to time decoding separately. */
  readonly preprocessor: ImagePreprocessor;
  private readonly settings: PipelineSettings;

  protected constructor(
    readonly modelId: string,
    readonly dim: number,
    image: ImageSpec,
    readonly tokenizer: TextTokenizer,
    /** Where the graphs run; the adapter's own methods reach it here. */
    protected readonly runner: R,
    options: PipelineOptions,
    private readonly logger: EmbeddingLogger,
  ) {
    this.preprocessor = new ImagePreprocessor(image, {
      maxPixels: options.maxPixels ?? 40_000_000,
      maxBytes: options.maxBytes,
    });
    this.settings = {
      batchSize: options.batchSize ?? 32,
      queueLimit: options.queueLimit ?? 1024,
      onBatch: options.onBatch,
    };
    const maxBatch = this.settings.batchSize;
    const maxWaitMs = options.maxWaitMs ?? 0;
    const texts = (priority: LanePriority) =>
      new DynamicBatcher<string, Float32Array>({
        maxBatch,
        maxWaitMs,
        run: async (batch) =>
          (await this.inferTexts(batch, priority, 'coalesced')).map((value) => ({ ok: true, value })),
      });
    const images = (priority: LanePriority) =>
      new DynamicBatcher<Promise<Settled<DecodedImage>>, Float32Array>({
        maxBatch,
        maxWaitMs,
        run: (decodes) => this.inferSettled(decodes, priority, 'coalesced'),
      });
    this.textBatchers = { interactive: texts('interactive'), bulk: texts('bulk') };
    this.imageBatchers = { interactive: images('interactive'), bulk: images('bulk') };
  }

  // ---------------------------------------------------------------------------------------- public API

  embedTexts(texts: readonly string[]): Promise<Embedding[]> {
    return this.inChunks(texts, (chunk) => this.inferTexts(chunk, 'bulk', 'bulk'));
  }

  async embedImages(images: readonly Uint8Array[]): Promise<Embedding[]> {
    const outcomes = await this.embedImagesSettled(images);
    return outcomes.map((o, index) => {
      if (o.ok) return o.embedding;
      const { code, message, details } = o.error;
      throw new DomainError(code, message, { ...details, index }, { cause: o.error });
    });
  }

  async embedImagesSettled(images: readonly Uint8Array[]): Promise<ImageOutcome[]> {
    this.assertOpen();
    const chunks = ranges(images.length, this.settings.batchSize);
    const decodeChunk = (k: number) => {
      const [s, e] = chunks[k] as [number, number];
      return images.slice(s, e).map((b) => settle(this.preprocessor.decode(b)));
    };
    const out: ImageOutcome[] = [];
    // Decoding runs on libuv threads: start the next chunk's decodes before this chunk's model run (blocking
    // in process, on the wire remotely).
    let next = chunks.length ? decodeChunk(0) : [];
    for (let k = 0; k < chunks.length; k++) {
      const current = next;
      next = k + 1 < chunks.length ? decodeChunk(k + 1) : [];
      for (const r of await this.inferSettled(current, 'bulk', 'bulk')) {
        out.push(
          r.ok
            ? { ok: true, embedding: this.embedding(r.value) }
            : { ok: false, error: toDomainError(r.error) },
        );
      }
    }
    return out;
  }

  /**
   * Embeds images already decoded by {@link preprocessor} (`preprocessor.decode`), in batches: for callers
   * that decode on their own schedule or time decoding and inference separately.
   */
  embedDecoded(images: readonly DecodedImage[]): Promise<Embedding[]> {
    return this.inChunks(images, (chunk) => this.inferImages(chunk, 'bulk', 'bulk'));
  }

  async embedText(text: string, options: SingleOptions = {}): Promise<Embedding> {
    this.admitSingle();
    return this.embedding(await this.textBatchers[options.priority ?? 'interactive'].submit(text));
  }

  async embedImage(image: Uint8Array, options: SingleOptions = {}): Promise<Embedding> {
    this.admitSingle();
    const decoded = settle(this.preprocessor.decode(image));
    return this.embedding(await this.imageBatchers[options.priority ?? 'interactive'].submit(decoded));
  }

  /**
   * {@link embedImage} that also hands back the picture as decoded for the model (the indexer reads its colours),
   * so the caller decodes each picture once.
   */
  async embedImageDecoded(image: Uint8Array, options: SingleOptions = {}): Promise<EmbeddedPicture> {
    this.admitSingle();
    const decoding = settle(this.preprocessor.decode(image));
    const vector = await this.imageBatchers[options.priority ?? 'interactive'].submit(decoding);
    // The batcher has seen the decode succeed: this resolves at once.
    const decoded = await decoding;
    if (!decoded.ok) throw toDomainError(decoded.error);
    return { embedding: this.embedding(vector), decoded: decoded.value };
  }

  stats(): EmbeddingStats {
    const c = this.c;
    return {
      texts: {
        items: c.textItems,
        batches: c.textBatches,
        tokenizeMs: c.tokenizeMs,
        inferenceMs: c.textInferenceMs,
      },
      images: {
        items: c.imageItems,
        failed: c.imageFailed,
        batches: c.imageBatches,
        decodeMs: c.decodeMs,
        inferenceMs: c.imageInferenceMs,
      },
      pending: this.pendingSingles(),
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new DomainError('UNAVAILABLE', 'The embedding provider is shutting down');
      for (const b of [...Object.values(this.textBatchers), ...Object.values(this.imageBatchers)])
        b.rejectQueued(closed);
      await this.runner.close();
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closing) throw new DomainError('UNAVAILABLE', 'The embedding provider is shut down');
  }

  /** An array call: `batchSize` items per run, one run after another. */
  private async inChunks<T>(
    items: readonly T[],
    infer: (chunk: T[]) => Promise<Float32Array[]>,
  ): Promise<Embedding[]> {
    this.assertOpen();
    const out: Embedding[] = [];
    for (const [s, e] of ranges(items.length, this.settings.batchSize)) {
      for (const v of await infer(items.slice(s, e))) out.push(this.embedding(v));
    }
    return out;
  }

  private pendingSingles(): number {
    const { textBatchers: t, imageBatchers: i } = this;
    return t.interactive.size + t.bulk.size + i.interactive.size + i.bulk.size;
  }

  private admitSingle(): void {
    this.assertOpen();
    const pending = this.pendingSingles();
    if (pending >= this.settings.queueLimit) {
      throw new DomainError(
        'OVERLOADED',
        `Embedding queue is full (${pending} requests waiting); retry shortly`,
        {
          pending,
          queueLimit: this.settings.queueLimit,
        },
      );
    }
  }

  private embedding(vector: Float32Array): Embedding {
    return { modelId: this.modelId, vector };
  }

  /** A metrics hook must never fail an embedding request. */
  private report(event: BatchEvent): void {
    try {
      this.settings.onBatch?.(event);
    } catch (err) {
      this.logger.warn(`onBatch hook threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async inferTexts(
    texts: string[],
    priority: LanePriority,
    source: BatchEvent['source'],
  ): Promise<Float32Array[]> {
    const { textPadding } = await this.runner.prepare();
    const t0 = performance.now();
    const batch = this.tokenizer.encodeBatch(texts, textPadding);
    const tokenizeMs = performance.now() - t0;
    return this.runner.schedule(priority, async () => {
      this.assertOpen();
      const t1 = performance.now();
      const flat = await this.runner.runText(batch, priority);
      const inferenceMs = performance.now() - t1;
      const c = this.c;
      c.textItems += texts.length;
      c.textBatches += 1;
      c.tokenizeMs += tokenizeMs;
      c.textInferenceMs += inferenceMs;
      this.report({ kind: 'text', source, size: texts.length, preprocessMs: tokenizeMs, inferenceMs });
      return l2NormalizeRows(flat, texts.length, this.dim);
    });
  }

  /** Waits for decodes, runs the good ones through the vision graph, returns one result per input in order. */
  private async inferSettled(
    decodes: readonly Promise<Settled<DecodedImage>>[],
    priority: LanePriority,
    source: BatchEvent['source'],
  ): Promise<Settled<Float32Array>[]> {
    const settled = await Promise.all(decodes);
    const good: DecodedImage[] = [];
    for (const s of settled) if (s.ok) good.push(s.value);
    this.c.imageFailed += settled.length - good.length;
    const vectors = good.length ? await this.inferImages(good, priority, source) : [];
    let g = 0;
    return settled.map((s) => (s.ok ? { ok: true, value: vectors[g++] as Float32Array } : s));
  }

  private async inferImages(
    images: DecodedImage[],
    priority: LanePriority,
    source: BatchEvent['source'],
  ): Promise<Float32Array[]> {
    await this.runner.prepare();
    return this.runner.schedule(priority, async () => {
      this.assertOpen();
      const t0 = performance.now();
      const px = this.preprocessor.toPixelValues(images, this.pixelBuffer(priority, images.length));
      const t1 = performance.now();
      const flat = await this.runner.runVision(px, images.length, priority);
      const inferenceMs = performance.now() - t1;
      const preprocessMs = images.reduce((sum, im) => sum + im.decodeMs, 0) + (t1 - t0);
      const c = this.c;
      c.imageItems += images.length;
      c.imageBatches += 1;
      c.decodeMs += preprocessMs;
      c.imageInferenceMs += inferenceMs;
      this.report({ kind: 'image', source, size: images.length, preprocessMs, inferenceMs });
      return l2NormalizeRows(flat, images.length, this.dim);
    });
  }

  /**
   * Where runs of a priority never overlap, one pixel buffer per priority: a fresh multi-megabyte Float32Array
   * per batch costs more in zero-filling and page faults than normalising into it.
   */
  private pixelBuffer(priority: LanePriority, count: number): Float32Array | undefined {
    if (!this.runner.serialRuns) return undefined;
    const per = this.preprocessor.pixelsPerImage;
    const buffer = (this.pixels[priority] ??= new Float32Array(this.settings.batchSize * per));
    return buffer.subarray(0, count * per);
  }
}
