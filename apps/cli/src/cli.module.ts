import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '@vitrine/core';
import { CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, type IndexingModuleOptions } from '@vitrine/indexing';
import { SEARCH_MIGRATIONS, SearchModule } from '@vitrine/search';
import { ATTRIBUTE_MIGRATIONS, AttributesModule } from '@vitrine/attributes';
import { DESCRIPTION_MIGRATIONS, DescriptionsModule } from '@vitrine/descriptions';
import { VqaModule } from '@vitrine/vqa';
import { ASSISTANT_MIGRATIONS, AssistantModule } from '@vitrine/assistant';

export interface CliContextOptions {
  /**
   * `catalog`: the catalog alone (an import does not wait for the model to load); `full` (default): every
   * capability the API has, over the same modules, so a command behaves as the service does.
   */
  readonly scope?: 'catalog' | 'full';
  /** Default: nothing started behind the command's back (no boot sync, no model-change reindex, no relay loop). */
  readonly indexing?: IndexingModuleOptions;
}

/** The CLI's one composition root: the capability modules the API composes, without HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, options: CliContextOptions = {}): DynamicModule {
    const catalog = [
      ConfigModule.forRoot(config),
      // Every table's migrations, as the API runs them: whichever process opens a new database first creates all.
      CatalogModule.forRoot({
        migrations: [
          ...ATTRIBUTE_MIGRATIONS,
          ...DESCRIPTION_MIGRATIONS,
          ...ASSISTANT_MIGRATIONS,
          ...SEARCH_MIGRATIONS,
        ],
      }),
    ];
    if (options.scope === 'catalog') return { module: CliModule, imports: catalog };
    return {
      module: CliModule,
      imports: [
        ...catalog,
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
        IndexingModule.forRoot(
          options.indexing ?? { syncAtBoot: false, reindexOnModelChange: false, relayOutbox: false },
        ),
        SearchModule.forRoot(),
        AttributesModule.forRoot(),
        VqaModule.forRoot(),
        DescriptionsModule.forRoot(),
        AssistantModule.forRoot(),
      ],
    };
  }
}

/**
 * The services a command needs. With Redis an indexing command only enqueues and watches (indexer processes do the
 * work); embedded, this process is the indexer for the command's duration.
 */
export async function openCliContext(
  config: AppConfig,
  options: CliContextOptions = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, options), {
    logger: config.logLevel === 'debug' || config.logLevel === 'trace' ? undefined : ['error', 'warn'],
  });
  app.enableShutdownHooks();
  return app;
}
