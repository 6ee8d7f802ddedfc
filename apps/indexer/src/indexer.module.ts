import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, pinoHttpParams, type AppConfig } from '@vitrine/core';
import { CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, type IndexingModuleOptions } from '@vitrine/indexing';
import { InsightsModule } from '@vitrine/insights';
import { IndexerHeartbeat } from './heartbeat';

/** The indexer process: no HTTP, only the capability modules, the BullMQ worker and its heartbeat file. */
@Module({})
export class IndexerModule {
  static forRoot(config: AppConfig, options: IndexingModuleOptions = {}): DynamicModule {
    return {
      module: IndexerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: pinoHttpParams(config, { level: config.logLevel }),
          renameContext: 'context',
        }),
        CatalogModule.forRoot(),
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
        IndexingModule.forRoot({ role: 'worker', ...options }),
        // Provides the attribute extraction the indexer runs after embedding a product.
        InsightsModule.forRoot(),
      ],
      providers: [IndexerHeartbeat],
    };
  }
}
