import { Logger } from '@nestjs/common';
import { Tensor } from 'onnxruntime-node';
import { DomainError, type AppConfig } from '@vitrine/core';
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
import { InferenceLane, type LanePriority } from '../batching/inference-lane';
import { ImagePreprocessor, type DecodedImage } from '../image/image-preprocessor';
import { readModelDir, type TextPooling, type Towers } from '../model/model-dir';
import { modelInvalid } from '../model/model-errors';
import { formatModelId, hashOnnxFiles } from '../model/model-id';
import {
  TextTokenizer,
  type PaddingMode,
  type TokenBatch,
  type TokenizerModel,
} from '../text/text-tokenizer';
import { l2NormalizeRows } from '../vector-math';
import { checkGraphs, type GraphContract, type IdType } from './graph-contract';
import { openSessions, type Device, type OpenedSessions } from './sessions';

export interface OnnxEmbeddingOptions {
  /** A directory in the Hugging Face CLIP ONNX layout. */
  readonly modelDir: string;
  /** Default `cpu`. `cuda` falls back to the CPU with one warning when the CUDA provider is absent. */
  readonly device?: Device;
  /** onnxruntime intra-op threads; 0 (default) lets onnxruntime decide. */
  readonly threads?: number;
  /** Largest model run, for array calls and coalesced requests alike. Default 32. */
  readonly batchSize?: number;
  /**
   * How long a single request may wait for others to share its model run. Default 0: a request runs as soon as
   * the model is free, with whatever arrived in the same event-loop turn; under load, requests that arrive while
   * a run is in progress form the next batch anyway.
   */
  readonly maxWaitMs?: number;
  /** Single requests allowed to wait or run at once; more are refused with `OVERLOADED`. Default 1024. */
  readonly queueLimit?: number;
  /** Largest accepted image in pixels (checked from the header). Default 40 megapixels. */
  readonly maxPixels?: number;
  /** Largest accepted encoded image in bytes. Unlimited by default. */
  readonly maxBytes?: number;
  /**
   * `longest` (default) pads each text batch to its longest row instead of the full context: the same
   * embeddings for CLIP-style graphs (padding is masked or behind a causal mask, pooling reads the end
   * token), several times less text compute. Graphs with a fixed sequence length always get `max_length`.
   */
  readonly textPadding?: PaddingMode;
  /**
   * `separate`: coalesced requests (searches) run on a second pair of sessions, on a worker thread of its own,
   * so a query runs beside an indexing batch instead of waiting for it (with a ViT-B/32-sized model a batch of 32
   * pictures takes about two seconds here); the model is then held twice. For a process that both serves and
   * indexes (the API in embedded mode). Default `shared`: one pair, queries go before queued batches.
   */
  readonly interactiveSessions?: 'shared' | 'separate';
  readonly logger?: EmbeddingLogger;
  /** Called after every model run, e.g. to export decode vs inference time (an exception is logged, not thrown). */
  readonly onBatch?: (event: BatchEvent) => void;
}

/** The {@link OnnxEmbeddingOptions} that an {@link AppConfig} asks for. */
export function embeddingOptionsFromConfig(config: AppConfig): OnnxEmbeddingOptions {
  const e = config.embedding;
  return {
    modelDir: e.modelDir,
    device: e.device,
    threads: e.threads,
    batchSize: e.batchSize,
    maxWaitMs: e.maxWaitMs,
    queueLimit: e.queueLimit,
    maxPixels: config.images.maxPixels,
    maxBytes: config.images.maxBytes,
  };
}

/** What `vitrine model info` prints. */
export interface ModelInfo {
  readonly modelId: string;
  /** Full sha256 of the ONNX files (the model id keeps 12 hex chars of it). */
  readonly sha256: string;
  readonly name: string;
  readonly dir: string;
  readonly dim: number;
  readonly maxTextLength: number;
  readonly imageSize: { readonly width: number; readonly height: number };
  /** Where inference runs (after any CUDA fallback). */
  readonly device: Device;
  readonly text: {
    readonly inputIdsType: IdType;
    readonly attentionMask: boolean;
    /** The graph takes `token_type_ids` (fed zeros: one segment). */
    readonly tokenTypeIds: boolean;
    readonly startId: number;
    readonly endId: number;
    readonly padId: number;
    /** tokenizer.json's model: BPE, WordPiece or Unigram. */
    readonly tokenizer: TokenizerModel;
    /** What config.json declares the graph pools with, when it says. */
    readonly pooling: TextPooling | undefined;
  };
  /** Where the towers come from and the space they share, when config.json declares it. */
  readonly towers: Towers | undefined;
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

/** A metrics hook must never fail an embedding request. */
function guard(hook: (e: BatchEvent) => void, logger: EmbeddingLogger): (e: BatchEvent) => void {
  return (e) => {
    try {
      hook(e);
    } catch (err) {
      logger.warn(`onBatch hook threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

function ranges(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/**
 * The {@link EmbeddingProvider} on onnxruntime-node: a CLIP dual encoder loaded from a Hugging Face ONNX
 * layout directory (real OpenAI CLIP exports and the demo model alike). Create with {@link load}.
 */
export class OnnxEmbeddingProvider implements EmbeddingProvider {
  readonly modelId: string;
  readonly dim: number;
  private readonly lane = new InferenceLane();
  /** Coalesce concurrent single calls, one pair per priority. */
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

  private constructor(
    readonly info: ModelInfo,
    /** Decoder/preprocessor for this model's input size: usable on its own to time decoding separately. */
    readonly preprocessor: ImagePreprocessor,
    readonly tokenizer: TextTokenizer,
    /** The sessions each kind of run uses: the same pair, or two (`interactiveSessions: 'separate'`). */
    private readonly sessions: Readonly<Record<LanePriority, OpenedSessions>>,
    private readonly contract: GraphContract,
    private readonly settings: {
      readonly batchSize: number;
      readonly queueLimit: number;
      readonly padding: PaddingMode;
      readonly onBatch: ((e: BatchEvent) => void) | undefined;
    },
    maxWaitMs: number,
  ) {
    this.modelId = info.modelId;
    this.dim = info.dim;
    const texts = (priority: LanePriority) =>
      new DynamicBatcher<string, Float32Array>({
        maxBatch: settings.batchSize,
        maxWaitMs,
        run: async (batch) =>
          (await this.inferTexts(batch, priority, 'coalesced')).map((value) => ({ ok: true, value })),
      });
    const images = (priority: LanePriority) =>
      new DynamicBatcher<Promise<Settled<DecodedImage>>, Float32Array>({
        maxBatch: settings.batchSize,
        maxWaitMs,
        run: (decodes) => this.inferSettled(decodes, priority, 'coalesced'),
      });
    this.textBatchers = { interactive: texts('interactive'), bulk: texts('bulk') };
    this.imageBatchers = { interactive: images('interactive'), bulk: images('bulk') };
  }

  /**
   * Loads and validates a model directory (files, configs, graph inputs/outputs, embedding size by a
   * warm-up run), opens its sessions and computes the model id. Throws `MODEL_INVALID` naming the problem.
   */
  static async load(options: OnnxEmbeddingOptions): Promise<OnnxEmbeddingProvider> {
    const logger = options.logger ?? new Logger('Embedding');
    const hook = options.onBatch;
    const md = await readModelDir(options.modelDir);
    const tokenizer = TextTokenizer.create(md.dir, md.tokenizerJson, md.text);
    const hashing = hashOnnxFiles([md.visionModelPath, md.textModelPath]);
    hashing.catch(() => undefined); // awaited below; a failure to open sessions must not leave it unhandled
    const sessionOptions = {
      dir: md.dir,
      textModelPath: md.textModelPath,
      visionModelPath: md.visionModelPath,
      device: options.device ?? 'cpu',
      threads: options.threads ?? 0,
      logger,
    };
    const opened = await openSessions(sessionOptions);
    // The second pair runs where the first ended up (no second CUDA attempt and warning). If it cannot open,
    // searches share the first pair, as in a process that only serves.
    const openSecond = () =>
      openSessions({ ...sessionOptions, device: opened.device }).catch((e: unknown) => {
        logger.warn(
          `no second model session for search requests (${(e as Error).message}); searches wait for indexing batches`,
        );
        return undefined;
      });
    try {
      const contract = checkGraphs(md, opened.text, opened.vision);
      const sha256 = await hashing;
      const info: ModelInfo = {
        modelId: formatModelId(md.name, sha256),
        sha256,
        name: md.name,
        dir: md.dir,
        dim: md.projectionDim,
        maxTextLength: md.text.maxLength,
        imageSize: { width: md.image.width, height: md.image.height },
        device: opened.device,
        text: {
          inputIdsType: contract.idsType,
          attentionMask: contract.maskType !== undefined,
          tokenTypeIds: contract.tokenTypeIdsType !== undefined,
          startId: tokenizer.bosId,
          endId: tokenizer.eosId,
          padId: tokenizer.padId,
          tokenizer: tokenizer.model,
          pooling: md.text.pooling,
        },
        towers: md.towers,
      };
      const second = options.interactiveSessions === 'separate' ? await openSecond() : undefined;
      const provider = new OnnxEmbeddingProvider(
        info,
        new ImagePreprocessor(md.image, {
          maxPixels: options.maxPixels ?? 40_000_000,
          maxBytes: options.maxBytes,
        }),
        tokenizer,
        { bulk: opened, interactive: second ?? opened },
        contract,
        {
          batchSize: options.batchSize ?? 32,
          queueLimit: options.queueLimit ?? 1024,
          padding: contract.fixedSequence !== undefined ? 'max_length' : (options.textPadding ?? 'longest'),
          onBatch: hook && guard(hook, logger),
        },
        options.maxWaitMs ?? 0,
      );
      try {
        await provider.warmUp(opened);
        if (second) await provider.warmUp(second);
      } catch (e) {
        await second?.close();
        throw e;
      }
      return provider;
    } catch (e) {
      await opened.close();
      throw e;
    }
  }

  /** One run per tower: proves the output size and takes the first-run cost at boot, not on a request. */
  private async warmUp(sessions: OpenedSessions): Promise<void> {
    await this.runTextModel(sessions, this.tokenizer.encodeBatch(['a'], this.settings.padding));
    await this.runVisionModel(sessions, new Float32Array(this.preprocessor.pixelsPerImage), 1);
  }

  // ---------------------------------------------------------------------------------------- public API

  async embedTexts(texts: readonly string[]): Promise<Embedding[]> {
    this.assertOpen();
    const out: Embedding[] = [];
    for (const [s, e] of ranges(texts.length, this.settings.batchSize)) {
      const vecs = await this.inferTexts(texts.slice(s, e), 'bulk', 'bulk');
      for (const v of vecs) out.push(this.embedding(v));
    }
    return out;
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
    // Decoding runs on libuv threads; start the next chunk's decodes before this chunk's (blocking) model run.
    let next = chunks.length ? decodeChunk(0) : [];
    for (let k = 0; k < chunks.length; k++) {
      const current = next;
      next = k + 1 < chunks.length ? decodeChunk(k + 1) : [];
      const results = await this.inferSettled(current, 'bulk', 'bulk');
      for (const r of results) {
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
  async embedDecoded(images: readonly DecodedImage[]): Promise<Embedding[]> {
    this.assertOpen();
    const out: Embedding[] = [];
    for (const [s, e] of ranges(images.length, this.settings.batchSize)) {
      for (const v of await this.inferImages(images.slice(s, e), 'bulk', 'bulk')) out.push(this.embedding(v));
    }
    return out;
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

  async embedImageDecoded(image: Uint8Array, options: SingleOptions = {}): Promise<EmbeddedPicture> {
    this.admitSingle();
    const decoding = this.preprocessor.decode(image);
    const vector = await this.imageBatchers[options.priority ?? 'interactive'].submit(settle(decoding));
    // The batcher has seen the decode succeed: this resolves at once.
    return { embedding: this.embedding(vector), decoded: await decoding };
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
      await this.lane.whenIdle();
      const { bulk, interactive } = this.sessions;
      await Promise.all([bulk.close(), interactive !== bulk ? interactive.close() : undefined]);
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closing) throw new DomainError('UNAVAILABLE', 'The embedding provider is shut down');
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

  private async inferTexts(texts: string[], priority: LanePriority, source: BatchEvent['source']) {
    const t0 = performance.now();
    const batch = this.tokenizer.encodeBatch(texts, this.settings.padding);
    const tokenizeMs = performance.now() - t0;
    return this.lane.run(priority, async () => {
      this.assertOpen();
      const sessions = this.sessions[priority];
      const t1 = performance.now();
      const flat = await this.runTextModel(sessions, batch);
      const inferenceMs = performance.now() - t1;
      Object.assign(this.c, {
        textItems: this.c.textItems + texts.length,
        textBatches: this.c.textBatches + 1,
        tokenizeMs: this.c.tokenizeMs + tokenizeMs,
        textInferenceMs: this.c.textInferenceMs + inferenceMs,
      });
      this.settings.onBatch?.({
        kind: 'text',
        source,
        size: texts.length,
        preprocessMs: tokenizeMs,
        inferenceMs,
      });
      return l2NormalizeRows(flat, texts.length, this.dim);
    });
  }

  /** Waits for decodes, runs the good ones through the vision model, returns one result per input in order. */
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

  private inferImages(images: DecodedImage[], priority: LanePriority, source: BatchEvent['source']) {
    return this.lane.run(priority, async () => {
      this.assertOpen();
      const sessions = this.sessions[priority];
      const t0 = performance.now();
      // One pixel buffer per priority (runs of one priority never overlap): a fresh multi-megabyte
      // Float32Array per batch costs more in zero-filling and page faults than normalising into it.
      const pixels = (this.pixels[priority] ??= new Float32Array(
        this.settings.batchSize * this.preprocessor.pixelsPerImage,
      ));
      const px = this.preprocessor.toPixelValues(
        images,
        pixels.subarray(0, images.length * this.preprocessor.pixelsPerImage),
      );
      const t1 = performance.now();
      const flat = await this.runVisionModel(sessions, px, images.length);
      const inferenceMs = performance.now() - t1;
      const preprocessMs = images.reduce((sum, im) => sum + im.decodeMs, 0) + (t1 - t0);
      Object.assign(this.c, {
        imageItems: this.c.imageItems + images.length,
        imageBatches: this.c.imageBatches + 1,
        decodeMs: this.c.decodeMs + preprocessMs,
        imageInferenceMs: this.c.imageInferenceMs + inferenceMs,
      });
      this.settings.onBatch?.({ kind: 'image', source, size: images.length, preprocessMs, inferenceMs });
      return l2NormalizeRows(flat, images.length, this.dim);
    });
  }

  private idTensor(type: IdType, data: Int32Array, dims: number[]): Tensor {
    if (type === 'int32') return new Tensor('int32', data, dims);
    const big = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) big[i] = BigInt(data[i] as number);
    return new Tensor('int64', big, dims);
  }

  /** Raw `text_embeds` values, `[batch * dim]`. */
  private async runTextModel(sessions: OpenedSessions, b: TokenBatch): Promise<Float32Array> {
    const dims = [b.batch, b.length];
    const feeds: Record<string, Tensor> = { input_ids: this.idTensor(this.contract.idsType, b.ids, dims) };
    if (this.contract.maskType)
      feeds.attention_mask = this.idTensor(this.contract.maskType, b.attentionMask, dims);
    if (this.contract.tokenTypeIdsType)
      feeds.token_type_ids = this.idTensor(
        this.contract.tokenTypeIdsType,
        new Int32Array(b.ids.length),
        dims,
      );
    const out = await sessions.text.run(feeds, ['text_embeds']);
    return this.output(out, 'text_embeds', b.batch);
  }

  /** Raw `image_embeds` values, `[batch * dim]`. */
  private async runVisionModel(
    sessions: OpenedSessions,
    pixels: Float32Array,
    batch: number,
  ): Promise<Float32Array> {
    const { width, height } = this.info.imageSize;
    const out = await sessions.vision.run({
      pixel_values: new Tensor('float32', pixels, [batch, 3, height, width]),
    });
    return this.output(out, 'image_embeds', batch);
  }

  private output(out: Record<string, Tensor>, name: string, batch: number): Float32Array {
    const t = out[name];
    if (!t || t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== batch || t.dims[1] !== this.dim) {
      const dims = t ? `[${t.dims.join(', ')}] ${t.type}` : 'missing';
      throw modelInvalid(
        this.info.dir,
        `${name} is ${dims} for a batch of ${batch}; expected [${batch}, ${this.dim}] float32`,
      );
    }
    return t.data as Float32Array;
  }
}
