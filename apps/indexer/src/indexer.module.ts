import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, pinoHttpParams, type AppConfig } from '@vitrine/core';
import { CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, type IndexingModuleOptions } from '@vitrine/indexing';
import { ATTRIBUTE_MIGRATIONS, AttributesModule } from '@vitrine/attributes';
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
        CatalogModule.forRoot({ migrations: ATTRIBUTE_MIGRATIONS }),
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
        IndexingModule.forRoot({ role: 'worker', ...options }),
        // Provides the attribute extraction the indexer runs after embedding a product.
        AttributesModule.forRoot(),
      ],
      providers: [IndexerHeartbeat],
    };
  }
}
