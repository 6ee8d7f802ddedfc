import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '@vitrine/core';
import { CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule } from '@vitrine/indexing';

@Module({})
class CliIndexingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliIndexingModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(),
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
        // The command decides what to queue; nothing is started behind its back.
        IndexingModule.forRoot({ syncAtBoot: false, reindexOnModelChange: false, relayOutbox: false }),
      ],
    };
  }
}

/**
 * The services an indexing command needs. With Redis the command only enqueues and watches (indexer processes
 * do the work); embedded, this process is the indexer for the command's duration.
 */
export async function openIndexingContext(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CliIndexingModule.forRoot(config), {
    logger: config.logLevel === 'debug' || config.logLevel === 'trace' ? undefined : ['error', 'warn'],
  });
  app.enableShutdownHooks();
  return app;
}
