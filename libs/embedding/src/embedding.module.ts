import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from './embedding-provider';
import {
  OnnxEmbeddingProvider,
  embeddingOptionsFromConfig,
  type OnnxEmbeddingOptions,
} from './onnx/onnx-embedding-provider';

/**
 * Provides {@link EMBEDDING_PROVIDER}: the ONNX adapter built from `AppConfig.embedding` and
 * `AppConfig.images`, loaded once at init (a bad model directory stops boot with `MODEL_INVALID`) and closed
 * on shutdown (`app.close()` / shutdown hooks).
 */
@Module({})
export class EmbeddingModule implements OnApplicationShutdown {
  constructor(@Inject(EMBEDDING_PROVIDER) private readonly provider: EmbeddingProvider) {}

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
            OnnxEmbeddingProvider.load({ ...embeddingOptionsFromConfig(config), ...overrides }),
        },
      ],
      exports: [EMBEDDING_PROVIDER],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provider.close();
  }
}
