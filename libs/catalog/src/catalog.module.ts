import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import {
  createCatalogDataSource,
  type CatalogDatabase,
  type CatalogDataSourceOptions,
} from './database/catalog-data-source';
import { CatalogImportService } from './import/catalog-import.service';
import { IndexOutboxRepository } from './repository/index-outbox.repository';
import { IndexStateRepository } from './repository/index-state.repository';
import { ProductSearchRepository } from './repository/product-search.repository';
import { ProductRepository } from './repository/product.repository';

/** Injection token for the module's {@link CatalogDatabase} (health checks; everything else uses the repositories). */
export const CATALOG_DATABASE = Symbol('CATALOG_DATABASE');

/**
 * The catalog for a Nest application: connects to `AppConfig.database` (needs `ConfigModule`), runs pending
 * migrations before the application starts (unless `runMigrations: false`), and closes the connection (and stops
 * PGlite) on application shutdown. Provides {@link ProductRepository}, {@link IndexStateRepository},
 * {@link IndexOutboxRepository}, {@link ProductSearchRepository} and {@link CatalogImportService}.
 */
@Module({})
export class CatalogModule implements OnApplicationShutdown {
  constructor(@Inject(CATALOG_DATABASE) private readonly db: CatalogDatabase) {}

  static forRoot(options: CatalogDataSourceOptions = {}): DynamicModule {
    return {
      module: CatalogModule,
      global: true,
      providers: [
        {
          provide: CATALOG_DATABASE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => createCatalogDataSource(config.database, options),
        },
        {
          provide: ProductRepository,
          inject: [CATALOG_DATABASE, IndexOutboxRepository],
          // Its writes announce their committed changes through the outbox's CatalogChanges port.
          useFactory: (db: CatalogDatabase, changes: IndexOutboxRepository) =>
            new ProductRepository(db, changes),
        },
        {
          provide: IndexStateRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new IndexStateRepository(db),
        },
        {
          provide: IndexOutboxRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new IndexOutboxRepository(db),
        },
        {
          provide: ProductSearchRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new ProductSearchRepository(db),
        },
        {
          provide: CatalogImportService,
          inject: [ProductRepository],
          useFactory: (products: ProductRepository) => new CatalogImportService(products),
        },
      ],
      exports: [
        CATALOG_DATABASE,
        ProductRepository,
        IndexStateRepository,
        IndexOutboxRepository,
        ProductSearchRepository,
        CatalogImportService,
      ],
    };
  }

  /** After every module's onModuleDestroy, so their last queries still find the database. */
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
