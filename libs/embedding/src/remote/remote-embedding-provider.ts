import { Logger } from '@nestjs/common';
import { Pool } from 'undici';
import { DomainError } from '@vitrine/core';
import type {
  BatchEvent,
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
import { readModelDir } from '../model/model-dir';
import { formatModelId, hashOnnxFiles } from '../model/model-id';
import { TextTokenizer, type PaddingMode } from '../text/text-tokenizer';
import { l2NormalizeRows } from '../vector-math';
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  MODEL_ID_PARAMETER,
  PRIORITY_PARAMETER,
  TEXT_MODEL,
  VISION_MODEL,
  decodeBody,
  encodeBody,
  idsAs,
  type TensorValues,
  type V2InferResponse,
  type V2ModelConfig,
  type V2ModelMetadata,
} from './kserve-v2';

export interface RemoteEmbeddingOptions {
  /** Base URL of a KServe v2 service (apps/embedder, or Triton serving the same two graphs). */
  readonly url: string;
  /** The same model directory the service serves: tokenizer, preprocessing and the model id come from it. */
  readonly modelDir: string;
  /** Longest a request may take (connect, queue on the service, run, reply) before it fails `UNAVAILABLE`. */
  readonly timeoutMs?: number;
  /** Largest request, in texts or pictures, for array calls and coalesced single calls. Default 32. */
  readonly batchSize?: number;
  readonly maxWaitMs?: number;
  readonly queueLimit?: number;
  readonly maxPixels?: number;
  readonly maxBytes?: number;
  /** Triton's binary tensor extension (default) or tensors as JSON numbers (any KServe v2 server). */
  readonly binary?: boolean;
  /** Connections kept to the service. Default 8. */
  readonly connections?: number;
  readonly logger?: EmbeddingLogger;
  readonly onBatch?: (event: BatchEvent) => void;
}

/** What the client learned from the service's model metadata. */
interface RemoteContract {
  readonly ids: 'INT64' | 'INT32';
  readonly mask: 'INT64' | 'INT32' | undefined;
  readonly tokenTypeIds: 'INT64' | 'INT32' | undefined;
  readonly padding: PaddingMode;
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

function errorCode(e: unknown): string {
  for (let c: unknown = e, depth = 0; c && typeof c === 'object' && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return 'unknown';
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
 * The {@link EmbeddingProvider} over an embedding service (`EMBEDDING_URL`): tokenises texts and decodes and
 * preprocesses pictures here (that CPU scales with the clients), sends the graphs' input tensors over the KServe
 * v2 protocol and normalises the raw outputs, so vectors equal the in-process adapter's. Concurrent single calls
 * are coalesced into one request, and the service batches requests from all clients together.
 *
 * The service must serve the model this process is configured with: its model configuration declares the model
 * id (`vitrine_model_id`) and a different or missing one is refused with `MODEL_MISMATCH` — vectors of two models
 * never mix. An unreachable service is `UNAVAILABLE` (503 in the API, retried by the indexer's queue); boot
 * does not wait for it.
 */
export class RemoteEmbeddingProvider implements EmbeddingProvider {
  readonly modelId: string;
  readonly dim: number;
  private readonly pool: Pool;
  private contract: Promise<RemoteContract> | undefined;
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
  /** Whether the last request failed on the network (logged once per outage). */
  private down = false;

  private constructor(
    modelId: string,
    dim: number,
    private readonly imageSize: { readonly width: number; readonly height: number },
    readonly preprocessor: ImagePreprocessor,
    readonly tokenizer: TextTokenizer,
    private readonly settings: {
      readonly url: string;
      readonly timeoutMs: number;
      readonly batchSize: number;
      readonly queueLimit: number;
      readonly binary: boolean;
      readonly logger: EmbeddingLogger;
      readonly onBatch: ((e: BatchEvent) => void) | undefined;
    },
    maxWaitMs: number,
    connections: number,
  ) {
    this.modelId = modelId;
    this.dim = dim;
    this.pool = new Pool(new URL(settings.url).origin, {
      connections,
      connectTimeout: Math.min(settings.timeoutMs, 10_000),
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    });
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
   * Reads the model directory (`MODEL_INVALID` when it is bad) and checks the service's model id. A service
   * that serves another model stops boot with `MODEL_MISMATCH`; one that cannot be reached is logged and checked
   * again on the first request.
   */
  static async connect(options: RemoteEmbeddingOptions): Promise<RemoteEmbeddingProvider> {
    const logger = options.logger ?? new Logger('Embedding');
    const md = await readModelDir(options.modelDir);
    const tokenizer = TextTokenizer.create(md.dir, md.tokenizerJson, md.text);
    const sha256 = await hashOnnxFiles([md.visionModelPath, md.textModelPath]);
    const provider = new RemoteEmbeddingProvider(
      formatModelId(md.name, sha256),
      md.projectionDim,
      { width: md.image.width, height: md.image.height },
      new ImagePreprocessor(md.image, {
        maxPixels: options.maxPixels ?? 40_000_000,
        maxBytes: options.maxBytes,
      }),
      tokenizer,
      {
        url: options.url.replace(/\/+$/, ''),
        timeoutMs: options.timeoutMs ?? 30_000,
        batchSize: options.batchSize ?? 32,
        queueLimit: options.queueLimit ?? 1024,
        binary: options.binary ?? true,
        logger,
        onBatch: options.onBatch,
      },
      options.maxWaitMs ?? 0,
      options.connections ?? 8,
    );
    try {
      await provider.verify();
      logger.log(`embedding on ${provider.settings.url} (${provider.modelId})`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'UNAVAILABLE') {
        await provider.close();
        throw e;
      }
    }
    return provider;
  }

  // ---------------------------------------------------------------------------------------- public API

  async embedTexts(texts: readonly string[]): Promise<Embedding[]> {
    this.assertOpen();
    const out: Embedding[] = [];
    for (const [s, e] of ranges(texts.length, this.settings.batchSize)) {
      for (const v of await this.inferTexts(texts.slice(s, e), 'bulk', 'bulk')) out.push(this.embedding(v));
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
    // The next chunk decodes (libuv threads) while this one is on the wire.
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
   * so the client decodes each picture once.
   */
  async embedImageDecoded(
    image: Uint8Array,
    options: SingleOptions = {},
  ): Promise<{ readonly embedding: Embedding; readonly decoded: DecodedImage }> {
    this.admitSingle();
    const decoding = settle(this.preprocessor.decode(image));
    const vector = await this.imageBatchers[options.priority ?? 'interactive'].submit(decoding);
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
      await this.pool.close();
    })();
    return this.closing;
  }

  /**
   * Checks the service's model id and reads the text graph's inputs; remembered until a request fails on the
   * network (the service may come back with another model).
   */
  verify(): Promise<RemoteContract> {
    if (this.contract) return this.contract;
    const check = this.readContract();
    this.contract = check;
    check.catch(() => {
      if (this.contract === check) this.contract = undefined;
    });
    return check;
  }

  // ---------------------------------------------------------------------------------------- internals

  private async readContract(): Promise<RemoteContract> {
    for (const model of [TEXT_MODEL, VISION_MODEL]) {
      const config = await this.getJson<V2ModelConfig>(`/v2/models/${model}/config`);
      this.checkModelId(config.parameters?.[MODEL_ID_PARAMETER]?.string_value, model);
    }
    const meta = await this.getJson<V2ModelMetadata>(`/v2/models/${TEXT_MODEL}`);
    const input = (name: string) => meta.inputs.find((i) => i.name === name);
    const idType = (name: string) => {
      const t = input(name)?.datatype;
      return t === 'INT64' || t === 'INT32' ? t : undefined;
    };
    const ids = idType('input_ids');
    if (!ids) throw this.mismatch(`its ${TEXT_MODEL} takes no INT64/INT32 input_ids`, undefined);
    const seq = input('input_ids')?.shape[1];
    return {
      ids,
      mask: idType('attention_mask'),
      tokenTypeIds: idType('token_type_ids'),
      padding: typeof seq === 'number' && seq > 0 ? 'max_length' : 'longest',
    };
  }

  private checkModelId(actual: string | undefined, model: string): void {
    if (actual === this.modelId) return;
    throw this.mismatch(
      actual === undefined
        ? `its ${model} declares no model id (Triton: parameters { key: "${MODEL_ID_PARAMETER}" value: { string_value: "${this.modelId}" } })`
        : `its ${model} serves ${actual}`,
      actual,
    );
  }

  private mismatch(why: string, actual: string | undefined): DomainError {
    return new DomainError(
      'MODEL_MISMATCH',
      `The embedding service at ${this.settings.url} does not serve ${this.modelId} (MODEL_DIR): ${why}; ` +
        'vectors of two models must never mix — point EMBEDDING_URL at a service with the same model',
      { service: this.settings.url, expected: this.modelId, actual },
    );
  }

  /** Logs the start and the end of an outage once each, not every failed request. */
  private reachable(up: boolean, reason?: string): void {
    if (up === !this.down) return;
    this.down = !up;
    if (up) this.settings.logger.log(`the embedding service at ${this.settings.url} answers again`);
    else
      this.settings.logger.warn(
        `the embedding service at ${this.settings.url} is unreachable (${reason}); embedding requests fail with UNAVAILABLE until it answers`,
      );
  }

  private unreachable(e: unknown): DomainError {
    const reason = errorCode(e);
    this.reachable(false, reason);
    return new DomainError(
      'UNAVAILABLE',
      `The embedding service at ${this.settings.url} is unreachable (${reason}); retry shortly`,
      { service: this.settings.url, reason },
      { cause: e },
    );
  }

  private async getJson<T>(path: string): Promise<T> {
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({ method: 'GET', path });
    } catch (e) {
      throw this.unreachable(e);
    }
    const text = await res.body.text();
    this.reachable(true);
    if (res.statusCode !== 200) throw this.refused(res.statusCode, text, path);
    return JSON.parse(text) as T;
  }

  private refused(status: number, text: string, path: string): DomainError {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the text
    }
    const details = { service: this.settings.url, status, path };
    if (status === 503 || status === 429)
      return new DomainError('OVERLOADED', `The embedding service is busy: ${message}`, details);
    if (status === 404) return this.mismatch(`${path} is not found (${message})`, undefined);
    // A 400 or 500 is the service's (or this client's) fault, never the picture's: retried, never a failed product.
    return new DomainError(
      'UNAVAILABLE',
      `The embedding service refused ${path} (${status}): ${message}`,
      details,
    );
  }

  /** POSTs one inference request; returns the flat raw output. */
  private async infer(
    model: string,
    output: string,
    inputs: TensorValues[],
    priority: LanePriority,
  ): Promise<Float32Array> {
    const { binary } = this.settings;
    const { body, headerLength } = encodeBody(
      {
        ...(priority === 'interactive' ? { parameters: { [PRIORITY_PARAMETER]: 1 } } : {}),
        outputs: [{ name: output, parameters: { binary_data: binary } }],
      },
      'inputs',
      inputs,
      binary,
    );
    const path = `/v2/models/${model}/infer`;
    let res: Awaited<ReturnType<Pool['request']>>;
    let bytes: Buffer;
    try {
      res = await this.pool.request({
        method: 'POST',
        path,
        body,
        headers: {
          'content-type': headerLength === undefined ? 'application/json' : 'application/octet-stream',
          ...(headerLength === undefined ? {} : { [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) }),
        },
      });
      bytes = Buffer.from(await res.body.arrayBuffer());
    } catch (e) {
      this.contract = undefined; // a service that comes back may serve another model: check it again
      throw this.unreachable(e);
    }
    this.reachable(true);
    if (res.statusCode !== 200) throw this.refused(res.statusCode, bytes.toString('utf8'), path);
    const lengthHeader = res.headers[INFERENCE_HEADER_CONTENT_LENGTH];
    const { header, tensors } = decodeBody<V2InferResponse>(
      bytes,
      lengthHeader === undefined ? undefined : Number(lengthHeader),
      'outputs',
    );
    const served = header.parameters?.[MODEL_ID_PARAMETER];
    if (typeof served === 'string') this.checkModelId(served, model);
    const t = tensors.find((x) => x.name === output);
    if (!t || !(t.data instanceof Float32Array) || t.shape[1] !== this.dim)
      throw this.mismatch(`its ${output} is not [batch, ${this.dim}] FP32`, undefined);
    return t.data;
  }

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
    if (pending >= this.settings.queueLimit)
      throw new DomainError(
        'OVERLOADED',
        `Embedding queue is full (${pending} requests waiting); retry shortly`,
        {
          pending,
          queueLimit: this.settings.queueLimit,
        },
      );
  }

  private embedding(vector: Float32Array): Embedding {
    return { modelId: this.modelId, vector };
  }

  private hook(event: BatchEvent): void {
    try {
      this.settings.onBatch?.(event);
    } catch (err) {
      this.settings.logger.warn(`onBatch hook threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async inferTexts(
    texts: string[],
    priority: LanePriority,
    source: BatchEvent['source'],
  ): Promise<Float32Array[]> {
    const contract = await this.verify();
    const t0 = performance.now();
    const b = this.tokenizer.encodeBatch(texts, contract.padding);
    const dims = [b.batch, b.length];
    const inputs: TensorValues[] = [{ name: 'input_ids', shape: dims, data: idsAs(contract.ids, b.ids) }];
    if (contract.mask)
      inputs.push({ name: 'attention_mask', shape: dims, data: idsAs(contract.mask, b.attentionMask) });
    if (contract.tokenTypeIds)
      inputs.push({
        name: 'token_type_ids',
        shape: dims,
        data: idsAs(contract.tokenTypeIds, new Int32Array(b.ids.length)),
      });
    const t1 = performance.now();
    const flat = await this.infer(TEXT_MODEL, 'text_embeds', inputs, priority);
    const inferenceMs = performance.now() - t1;
    const c = this.c;
    c.textItems += texts.length;
    c.textBatches += 1;
    c.tokenizeMs += t1 - t0;
    c.textInferenceMs += inferenceMs;
    this.hook({ kind: 'text', source, size: texts.length, preprocessMs: t1 - t0, inferenceMs });
    return l2NormalizeRows(flat, texts.length, this.dim);
  }

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
    await this.verify();
    const t0 = performance.now();
    const pixels = this.preprocessor.toPixelValues(images);
    const { width, height } = this.imageSize;
    const t1 = performance.now();
    const flat = await this.infer(
      VISION_MODEL,
      'image_embeds',
      [{ name: 'pixel_values', shape: [images.length, 3, height, width], data: pixels }],
      priority,
    );
    const inferenceMs = performance.now() - t1;
    const preprocessMs = images.reduce((sum, im) => sum + im.decodeMs, 0) + (t1 - t0);
    const c = this.c;
    c.imageItems += images.length;
    c.imageBatches += 1;
    c.decodeMs += preprocessMs;
    c.imageInferenceMs += inferenceMs;
    this.hook({ kind: 'image', source, size: images.length, preprocessMs, inferenceMs });
    return l2NormalizeRows(flat, images.length, this.dim);
  }
}
