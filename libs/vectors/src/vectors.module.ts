import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { EmbeddedVectorStore } from './embedded/embedded-store';
import { QdrantVectorStore } from './qdrant/qdrant-store';
import { VECTOR_STORE, type VectorStore } from './vector-store';

/** Builds the store `AppConfig.vectors` asks for: Qdrant when QDRANT_URL is set, the embedded one otherwise. */
export async function createVectorStore(config: AppConfig['vectors']): Promise<VectorStore> {
  switch (config.kind) {
    case 'qdrant':
      return new QdrantVectorStore({
        url: config.url,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        quantization: config.quantization,
        oversampling: config.oversampling,
        ...(config.shards !== undefined ? { shards: config.shards } : {}),
        ...(config.replicationFactor !== undefined ? { replicationFactor: config.replicationFactor } : {}),
        ...(config.writeConsistencyFactor !== undefined
          ? { writeConsistencyFactor: config.writeConsistencyFactor }
          : {}),
        onDiskVectors: config.onDiskVectors,
        readyTimeoutMs: config.readyTimeoutMs,
      });
    case 'embedded':
      return EmbeddedVectorStore.open(config.dir);
  }
}

/** Closes the store after every other module has stopped using it (shutdown hooks run after destroy hooks). */
class VectorStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides {@link VECTOR_STORE} from `AppConfig.vectors` (needs `ConfigModule.forRoot()` somewhere in the app)
 * and closes it on shutdown.
 */
@Module({})
export class VectorsModule {
  static forRoot(): DynamicModule {
    return {
      module: VectorsModule,
      global: true,
      providers: [
        {
          provide: VECTOR_STORE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => createVectorStore(config.vectors),
        },
        VectorStoreCloser,
      ],
      exports: [VECTOR_STORE],
    };
  }
}
