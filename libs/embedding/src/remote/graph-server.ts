import { Logger } from '@nestjs/common';
import { Tensor } from 'onnxruntime-node';
import { DomainError, NotFoundError, ValidationError } from '@vitrine/core';
import type { EmbeddingLogger } from '../embedding-provider';
import { DynamicBatcher, type Settled } from '../batching/dynamic-batcher';
import { InferenceLane, type LanePriority } from '../batching/inference-lane';
import type { ModelDir } from '../model/model-dir';
import { formatModelId } from '../model/model-id';
import type { GraphContract, IdType } from '../onnx/graph-contract';
import { openModel, textFeeds, type OnnxSessionOptions } from '../onnx/onnx-graph-runner';
import type { Device, OpenedSessions } from '../onnx/sessions';
import {
  MODEL_ID_PARAMETER,
  TEXT_MODEL,
  VISION_MODEL,
  toInt32,
  type DecodedTensor,
  type TensorValues,
  type V2DataType,
  type V2ModelConfig,
  type V2ModelMetadata,
} from './kserve-v2';

export interface GraphServerOptions extends OnnxSessionOptions {
  /** Most rows (texts or pictures) per model run, over all clients' requests together. Default 32. */
  readonly batchSize?: number;
  /** How long a row may wait for others to share its run. Default 0 (see `OnnxEmbeddingOptions.maxWaitMs`). */
  readonly maxWaitMs?: number;
  /** Rows waiting or running at once; a request that would pass it is refused with `OVERLOADED`. Default 4096. */
  readonly queueLimit?: number;
  readonly logger?: EmbeddingLogger;
  /** Called after every model run (metrics); an exception is logged, not thrown. */
  readonly onRun?: (event: GraphRunEvent) => void;
}

/** One model run of the service: rows from any number of requests. */
export interface GraphRunEvent {
  readonly model: typeof TEXT_MODEL | typeof VISION_MODEL;
  readonly priority: LanePriority;
  /** Rows in the run. */
  readonly size: number;
  /** Requests whose rows shared the run. */
  readonly requests: number;
  readonly inferenceMs: number;
}

interface TextRow {
  readonly ids: Int32Array;
  readonly mask: Int32Array;
  readonly request: object;
}

interface PixelRow {
  readonly pixels: Float32Array;
  readonly request: object;
}

const kserveType = (t: IdType): V2DataType => (t === 'int64' ? 'INT64' : 'INT32');

/**
 * Runs rows of several clients' requests together; when the run fails (a token id past the vocabulary makes
 * onnxruntime throw), runs each request's rows on their own, so one bad request fails alone, not its neighbours.
 */
async function isolated<R extends { readonly request: object }>(
  rows: R[],
  run: (rows: R[]) => Promise<Float32Array[]>,
): Promise<Settled<Float32Array>[]> {
  try {
    return (await run(rows)).map((value) => ({ ok: true as const, value }));
  } catch (e) {
    const groups = new Map<object, number[]>();
    rows.forEach((r, i) => groups.set(r.request, [...(groups.get(r.request) ?? []), i]));
    if (groups.size < 2) throw e;
    const out: Settled<Float32Array>[] = [];
    for (const indices of groups.values()) {
      try {
        const values = await run(indices.map((i) => rows[i] as R));
        indices.forEach((i, k) => (out[i] = { ok: true, value: values[k] as Float32Array }));
      } catch (error) {
        indices.forEach((i) => (out[i] = { ok: false, error }));
      }
    }
    return out;
  }
}

/**
 * The embedding service's core (apps/embedder): the two graphs of a CLIP export behind the KServe v2 model
 * contract, each row of every request queued on a {@link DynamicBatcher}, so concurrent requests from all clients
 * share model runs. Clients tokenise and preprocess (that CPU scales with them); this only runs graphs. Searches
 * (`priority` 1) run on a lane of their own before queued bulk rows ({@link InferenceLane}).
 */
export class EmbeddingGraphServer {
  private readonly lane = new InferenceLane();
  private readonly text: Record<LanePriority, DynamicBatcher<TextRow, Float32Array>>;
  private readonly vision: Record<LanePriority, DynamicBatcher<PixelRow, Float32Array>>;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly modelId: string,
    readonly device: Device,
    private readonly md: ModelDir,
    private readonly padId: number,
    private readonly contract: GraphContract,
    private readonly sessions: OpenedSessions,
    private readonly settings: {
      readonly batchSize: number;
      readonly queueLimit: number;
      readonly logger: EmbeddingLogger;
      readonly onRun: ((e: GraphRunEvent) => void) | undefined;
    },
    maxWaitMs: number,
  ) {
    const batcher = <R extends { readonly request: object }>(
      run: (rows: R[], p: LanePriority) => Promise<Float32Array[]>,
      p: LanePriority,
    ) =>
      new DynamicBatcher<R, Float32Array>({
        maxBatch: settings.batchSize,
        maxWaitMs,
        run: (rows) => isolated(rows, (part) => run(part, p)),
      });
    const t = (rows: TextRow[], p: LanePriority) => this.runText(rows, p);
    const v = (rows: PixelRow[], p: LanePriority) => this.runVision(rows, p);
    this.text = { interactive: batcher(t, 'interactive'), bulk: batcher(t, 'bulk') };
    this.vision = { interactive: batcher(v, 'interactive'), bulk: batcher(v, 'bulk') };
  }

  /** Loads and checks the graphs like the in-process adapter does; `MODEL_INVALID` names what is wrong. */
  static async load(options: GraphServerOptions): Promise<EmbeddingGraphServer> {
    const logger = options.logger ?? new Logger('Embedder');
    const { md, tokenizer, sessions, contract, sha256 } = await openModel(options, logger);
    try {
      const server = new EmbeddingGraphServer(
        formatModelId(md.name, sha256),
        sessions.device,
        md,
        tokenizer.padId,
        contract,
        sessions,
        {
          batchSize: options.batchSize ?? 32,
          queueLimit: options.queueLimit ?? 4096,
          logger,
          onRun: options.onRun,
        },
        options.maxWaitMs ?? 0,
      );
      await server.warmUp();
      return server;
    } catch (e) {
      await sessions.close();
      throw e;
    }
  }

  readonly models = [TEXT_MODEL, VISION_MODEL] as const;

  /** One run per graph: the first-run cost at boot, not on a client's request. */
  private async warmUp(): Promise<void> {
    const { width, height } = this.md.image;
    const length = this.contract.fixedSequence ?? 2;
    const ids = new Int32Array(length).fill(this.padId);
    const feeds = textFeeds(this.contract, ids, new Int32Array(length).fill(1), [1, length]);
    await this.sessions.text.run(feeds, ['text_embeds']);
    const pixels = new Tensor('float32', new Float32Array(3 * height * width), [1, 3, height, width]);
    await this.sessions.vision.run({ pixel_values: pixels }, ['image_embeds']);
  }

  /** Rows waiting or in a run. */
  pending(): number {
    const { text: t, vision: v } = this;
    return t.interactive.size + t.bulk.size + v.interactive.size + v.bulk.size;
  }

  get ready(): boolean {
    return this.closing === undefined;
  }

  metadata(name: string): V2ModelMetadata {
    const c = this.contract;
    const dim = this.md.projectionDim;
    const seq = c.fixedSequence ?? -1;
    if (name === TEXT_MODEL) {
      const ids = kserveType(c.idsType);
      return {
        name,
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [
          { name: 'input_ids', datatype: ids, shape: [-1, seq] },
          ...(c.maskType
            ? [{ name: 'attention_mask', datatype: kserveType(c.maskType), shape: [-1, seq] }]
            : []),
          ...(c.tokenTypeIdsType
            ? [{ name: 'token_type_ids', datatype: kserveType(c.tokenTypeIdsType), shape: [-1, seq] }]
            : []),
        ],
        outputs: [{ name: 'text_embeds', datatype: 'FP32', shape: [-1, dim] }],
      };
    }
    if (name === VISION_MODEL) {
      const { width, height } = this.md.image;
      return {
        name,
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [-1, 3, height, width] }],
        outputs: [{ name: 'image_embeds', datatype: 'FP32', shape: [-1, dim] }],
      };
    }
    throw new NotFoundError('Model', name);
  }

  /** Triton's model configuration subset: the batch size and the model id parameter clients check. */
  config(name: string): V2ModelConfig {
    this.metadata(name);
    return {
      name,
      max_batch_size: this.settings.batchSize,
      parameters: { [MODEL_ID_PARAMETER]: { string_value: this.modelId } },
    };
  }

  /** Runs a request's rows (queued with every other client's) and returns the graph's output for them. */
  async infer(
    name: string,
    inputs: readonly DecodedTensor[],
    priority: LanePriority,
  ): Promise<TensorValues[]> {
    if (this.closing) throw new DomainError('UNAVAILABLE', 'The embedding service is shutting down');
    this.metadata(name);
    const request = {};
    const rows = name === TEXT_MODEL ? this.textRows(inputs, request) : this.pixelRows(inputs, request);
    const pending = this.pending();
    if (pending + rows.length > this.settings.queueLimit)
      throw new DomainError('OVERLOADED', `The embedding service has ${pending} rows queued; retry shortly`, {
        pending,
        queueLimit: this.settings.queueLimit,
      });
    const vectors = await Promise.all(
      name === TEXT_MODEL
        ? (rows as TextRow[]).map((r) => this.text[priority].submit(r))
        : (rows as PixelRow[]).map((r) => this.vision[priority].submit(r)),
    );
    const dim = this.md.projectionDim;
    const out = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => out.set(v, i * dim));
    return [
      { name: name === TEXT_MODEL ? 'text_embeds' : 'image_embeds', shape: [vectors.length, dim], data: out },
    ];
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new DomainError('UNAVAILABLE', 'The embedding service is shutting down');
      for (const b of [...Object.values(this.text), ...Object.values(this.vision)]) b.rejectQueued(closed);
      await this.lane.whenIdle();
      await this.sessions.close();
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------- internals

  private input(inputs: readonly DecodedTensor[], name: string, rank: number): DecodedTensor | undefined {
    const t = inputs.find((x) => x.name === name);
    if (t && t.shape.length !== rank)
      throw new ValidationError(`${name} has rank ${t.shape.length}; expected ${rank}`, { input: name });
    return t;
  }

  private textRows(inputs: readonly DecodedTensor[], request: object): TextRow[] {
    const ids = this.input(inputs, 'input_ids', 2);
    if (!ids) throw new ValidationError('text_model needs input_ids', { input: 'input_ids' });
    const [batch, length] = ids.shape as [number, number];
    const fixed = this.contract.fixedSequence;
    if (fixed !== undefined && length !== fixed)
      throw new ValidationError(`input_ids must have ${fixed} columns`, { input: 'input_ids' });
    if (length > this.md.text.maxLength)
      throw new ValidationError(`input_ids has ${length} columns; the context is ${this.md.text.maxLength}`, {
        input: 'input_ids',
      });
    const mask = this.input(inputs, 'attention_mask', 2);
    if (mask && (mask.shape[0] !== batch || mask.shape[1] !== length))
      throw new ValidationError('attention_mask must have the shape of input_ids', {
        input: 'attention_mask',
      });
    const idData = toInt32(ids.data);
    const maskData = mask ? toInt32(mask.data) : new Int32Array(idData.length).fill(1);
    const rows: TextRow[] = [];
    for (let b = 0; b < batch; b++) {
      const s = b * length;
      rows.push({ ids: idData.subarray(s, s + length), mask: maskData.subarray(s, s + length), request });
    }
    return rows;
  }

  private pixelRows(inputs: readonly DecodedTensor[], request: object): PixelRow[] {
    const px = this.input(inputs, 'pixel_values', 4);
    const { width, height } = this.md.image;
    if (!px || px.datatype !== 'FP32')
      throw new ValidationError('vision_model needs pixel_values (FP32)', { input: 'pixel_values' });
    const [batch, c, h, w] = px.shape as [number, number, number, number];
    if (c !== 3 || h !== height || w !== width)
      throw new ValidationError(`pixel_values must be [batch, 3, ${height}, ${width}]`, {
        input: 'pixel_values',
      });
    const per = 3 * height * width;
    const data = px.data as Float32Array;
    return Array.from({ length: batch }, (_, b) => ({
      pixels: data.subarray(b * per, (b + 1) * per),
      request,
    }));
  }

  /** Rows of different lengths (different clients' longest texts) are padded to the longest, mask 0. */
  private runText(rows: TextRow[], priority: LanePriority): Promise<Float32Array[]> {
    return this.lane.run(priority, async () => {
      const length = Math.max(...rows.map((r) => r.ids.length));
      const ids = new Int32Array(rows.length * length).fill(this.padId);
      const mask = new Int32Array(rows.length * length);
      rows.forEach((r, i) => {
        ids.set(r.ids, i * length);
        mask.set(r.mask, i * length);
      });
      const feeds = textFeeds(this.contract, ids, mask, [rows.length, length]);
      return this.run(TEXT_MODEL, 'text_embeds', feeds, rows, priority);
    });
  }

  private runVision(rows: PixelRow[], priority: LanePriority): Promise<Float32Array[]> {
    return this.lane.run(priority, async () => {
      const { width, height } = this.md.image;
      const per = 3 * height * width;
      const pixels = new Float32Array(rows.length * per);
      rows.forEach((r, i) => pixels.set(r.pixels, i * per));
      const feeds = { pixel_values: new Tensor('float32', pixels, [rows.length, 3, height, width]) };
      return this.run(VISION_MODEL, 'image_embeds', feeds, rows, priority);
    });
  }

  private async run(
    model: GraphRunEvent['model'],
    output: string,
    feeds: Record<string, Tensor>,
    rows: readonly { readonly request: object }[],
    priority: LanePriority,
  ): Promise<Float32Array[]> {
    const session = model === TEXT_MODEL ? this.sessions.text : this.sessions.vision;
    const t0 = performance.now();
    const out = await session.run(feeds, [output]);
    const inferenceMs = performance.now() - t0;
    const t = out[output];
    const dim = this.md.projectionDim;
    if (!t || t.type !== 'float32' || t.dims[0] !== rows.length || t.dims[1] !== dim)
      throw new DomainError('MODEL_INVALID', `${output} has the wrong shape for a batch of ${rows.length}`);
    const flat = t.data as Float32Array;
    try {
      this.settings.onRun?.({
        model,
        priority,
        size: rows.length,
        requests: new Set(rows.map((r) => r.request)).size,
        inferenceMs,
      });
    } catch (e) {
      this.settings.logger.warn(`onRun hook threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    return rows.map((_, i) => flat.slice(i * dim, (i + 1) * dim));
  }
}
