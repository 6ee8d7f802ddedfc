import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, RetentionJanitor, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService, type AnalyticsSettings } from './analytics.service';

/** Deletes searches and events past ANALYTICS_RETENTION_DAYS at boot and hourly. */
@Injectable()
export class AnalyticsJanitor extends RetentionJanitor {
  constructor(
    private readonly repository: AnalyticsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super('AnalyticsJanitor', 'searches and events');
  }

  protected retentionDays(): number {
    return this.config.analytics.retentionDays;
  }

  protected deleteOlderThan(days: number): Promise<number> {
    return this.repository.purgeOlderThan(days);
  }
}

/**
 * Search and storefront-event analytics ({@link AnalyticsService}), global so that the search routes can record
 * their searches. Needs `ConfigModule` and `CatalogModule` with {@link ANALYTICS_MIGRATIONS} among its migrations.
 */
@Module({})
export class AnalyticsModule {
  static forRoot(settings: Omit<AnalyticsSettings, 'maxBuffered'> = {}): DynamicModule {
    return {
      module: AnalyticsModule,
      global: true,
      providers: [
        {
          provide: AnalyticsRepository,
          inject: [CATALOG_DATABASE],
          useFactory: (db: CatalogDatabase) => new AnalyticsRepository(db),
        },
        {
          provide: AnalyticsService,
          inject: [AnalyticsRepository, ProductRepository],
          useFactory: (repository: AnalyticsRepository, products: ProductRepository) =>
            new AnalyticsService(repository, products, settings),
        },
        AnalyticsJanitor,
      ],
      exports: [AnalyticsService],
    };
  }
}
