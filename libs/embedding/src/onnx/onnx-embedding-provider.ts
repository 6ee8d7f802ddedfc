import { Logger } from '@nestjs/common';
import type { AppConfig } from '@vitrine/core';
import type { BatchEvent, EmbeddingLogger } from '../embedding-provider';
import type { ImageSpec, TextPooling, Towers } from '../model/model-dir';
import { formatModelId } from '../model/model-id';
import { EmbeddingPipeline } from '../pipeline/embedding-pipeline';
import type { PaddingMode, TextTokenizer, TokenizerModel } from '../text/text-tokenizer';
import type { IdType } from './graph-contract';
import { OnnxGraphRunner, openModel, type OnnxSessionOptions } from './onnx-graph-runner';
import type { Device, OpenedSessions } from './sessions';

export interface OnnxEmbeddingOptions extends OnnxSessionOptions {
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

/**
 * The {@link EmbeddingProvider} on onnxruntime-node: a CLIP dual encoder loaded from a Hugging Face ONNX
 * layout directory (real OpenAI CLIP exports and the demo model alike), run in this process by an
 * {@link OnnxGraphRunner} under the shared {@link EmbeddingPipeline}. Create with {@link load}.
 */
export class OnnxEmbeddingProvider extends EmbeddingPipeline<OnnxGraphRunner> {
  private constructor(
    readonly info: ModelInfo,
    image: ImageSpec,
    tokenizer: TextTokenizer,
    runner: OnnxGraphRunner,
    options: OnnxEmbeddingOptions,
    logger: EmbeddingLogger,
  ) {
    super(info.modelId, info.dim, image, tokenizer, runner, options, logger);
  }

  /**
   * Loads and validates a model directory (files, configs, graph inputs/outputs, embedding size by a
   * warm-up run), opens its sessions and computes the model id. Throws `MODEL_INVALID` naming the problem.
   */
  static async load(options: OnnxEmbeddingOptions): Promise<OnnxEmbeddingProvider> {
    const logger = options.logger ?? new Logger('Embedding');
    const { md, tokenizer, sessions: opened, contract, sha256, openMore } = await openModel(options, logger);
    // If the second pair cannot open, searches share the first pair, as in a process that only serves.
    const openSecond = () =>
      openMore().catch((e: unknown) => {
        logger.warn(
          `no second model session for search requests (${(e as Error).message}); searches wait for indexing batches`,
        );
        return undefined;
      });
    try {
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
      const runner = new OnnxGraphRunner(
        info,
        contract,
        { bulk: opened, interactive: second ?? opened },
        contract.fixedSequence !== undefined ? 'max_length' : (options.textPadding ?? 'longest'),
      );
      const provider = new OnnxEmbeddingProvider(info, md.image, tokenizer, runner, options, logger);
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
    const { textPadding } = this.runner.prepare();
    await this.runner.textOn(sessions, this.tokenizer.encodeBatch(['a'], textPadding));
    await this.runner.visionOn(sessions, new Float32Array(this.preprocessor.pixelsPerImage), 1);
  }
}
