import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from './embedding-provider';
import { ImageSource } from './fetch/image-source';
import { SafeFetcher } from './fetch/safe-fetch';
import {
  OnnxEmbeddingProvider,
  embeddingOptionsFromConfig,
  type OnnxEmbeddingOptions,
} from './onnx/onnx-embedding-provider';
import { RemoteEmbeddingProvider } from './remote/remote-embedding-provider';

/**
 * The process's {@link EmbeddingProvider}: the embedding service at `EMBEDDING_URL` when one is set (the graphs run
 * there, batched with other processes' requests), the ONNX adapter in this process otherwise. `overrides` are the
 * ONNX adapter's; the logger and batch hook apply to both.
 */
export function embeddingProviderFromConfig(
  config: AppConfig,
  overrides: Partial<OnnxEmbeddingOptions> = {},
): Promise<EmbeddingProvider> {
  const local = { ...embeddingOptionsFromConfig(config), ...overrides };
  const url = config.embedding.url;
  if (url === undefined) return OnnxEmbeddingProvider.load(local);
  return RemoteEmbeddingProvider.connect({
    url,
    modelDir: local.modelDir,
    timeoutMs: config.embedding.timeoutMs,
    batchSize: local.batchSize,
    maxWaitMs: local.maxWaitMs,
    queueLimit: local.queueLimit,
    maxPixels: local.maxPixels,
    maxBytes: local.maxBytes,
    logger: local.logger,
    onBatch: local.onBatch,
  });
}

/** The one {@link SafeFetcher} of a process, from `AppConfig.images` (image URLs of catalogs and of queries). */
export function safeFetcherFromConfig(config: AppConfig): SafeFetcher {
  return new SafeFetcher({
    timeoutMs: config.images.fetchTimeoutMs,
    maxBytes: config.images.maxBytes,
    maxRedirects: config.images.fetchMaxRedirects,
    allowPrivate: config.images.fetchAllowPrivate,
  });
}

/**
 * Provides the side effects of turning pictures and texts into vectors, each configured once (global):
 * {@link EMBEDDING_PROVIDER} (the ONNX adapter built from `AppConfig.embedding` and `AppConfig.images`, loaded
 * once at init — a bad model directory stops boot with `MODEL_INVALID` — or the client of the embedding service at
 * `EMBEDDING_URL`, see {@link embeddingProviderFromConfig}), the SSRF-safe {@link SafeFetcher} and
 * the {@link ImageSource} over it (file paths and URLs). All are closed on shutdown.
 */
@Module({})
export class EmbeddingModule implements OnApplicationShutdown {
  constructor(
    @Inject(EMBEDDING_PROVIDER) private readonly provider: EmbeddingProvider,
    private readonly fetcher: SafeFetcher,
  ) {}

  /** `overrides` adjust the options derived from AppConfig (e.g. a logger, an `onBatch` metrics hook). */
  static forRoot(overrides: Partial<OnnxEmbeddingOptions> = {}): DynamicModule {
    return {
      module: EmbeddingModule,
      global: true,
      providers: [
        {
          provide: EMBEDDING_PROVIDER,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig): Promise<EmbeddingProvider> =>
            embeddingProviderFromConfig(config, overrides),
        },
        { provide: SafeFetcher, inject: [APP_CONFIG], useFactory: safeFetcherFromConfig },
        {
          provide: ImageSource,
          inject: [APP_CONFIG, SafeFetcher],
          useFactory: (config: AppConfig, fetcher: SafeFetcher) =>
            new ImageSource(fetcher, config.images.maxBytes),
        },
      ],
      exports: [EMBEDDING_PROVIDER, SafeFetcher, ImageSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.provider.close(), this.fetcher.close()]);
  }
}
