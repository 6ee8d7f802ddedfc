import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import type { BatchEvent, EmbeddingLogger } from '../embedding-provider';
import { readModelDir, type ModelDir } from '../model/model-dir';
import { formatModelId, hashOnnxFiles } from '../model/model-id';
import { EmbeddingPipeline } from '../pipeline/embedding-pipeline';
import { TextTokenizer } from '../text/text-tokenizer';
import { KServeGraphRunner, type RemoteContract } from './kserve-graph-runner';

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
export class RemoteEmbeddingProvider extends EmbeddingPipeline<KServeGraphRunner> {
  private constructor(
    modelId: string,
    md: ModelDir,
    tokenizer: TextTokenizer,
    runner: KServeGraphRunner,
    private readonly url: string,
    options: RemoteEmbeddingOptions,
    logger: EmbeddingLogger,
  ) {
    super(modelId, md.projectionDim, md.image, tokenizer, runner, options, logger);
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
    const modelId = formatModelId(md.name, sha256);
    const url = options.url.replace(/\/+$/, '');
    const runner = new KServeGraphRunner(
      modelId,
      md.projectionDim,
      { width: md.image.width, height: md.image.height },
      {
        url,
        timeoutMs: options.timeoutMs ?? 30_000,
        binary: options.binary ?? true,
        connections: options.connections ?? 8,
        logger,
      },
    );
    const provider = new RemoteEmbeddingProvider(modelId, md, tokenizer, runner, url, options, logger);
    try {
      await provider.verify();
      logger.log(`embedding on ${provider.url} (${provider.modelId})`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'UNAVAILABLE') {
        await provider.close();
        throw e;
      }
    }
    return provider;
  }

  /**
   * Checks the service's model id and reads the text graph's inputs; remembered until a request fails on the
   * network (the service may come back with another model).
   */
  verify(): Promise<RemoteContract> {
    return this.runner.verify();
  }
}
