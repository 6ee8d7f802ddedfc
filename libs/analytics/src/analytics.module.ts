import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { CATALOG_DATABASE, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService, type AnalyticsSettings } from './analytics.service';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Deletes searches and events past ANALYTICS_RETENTION_DAYS at boot and hourly. */
@Injectable()
export class AnalyticsJanitor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AnalyticsJanitor');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: AnalyticsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.purge();
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One purge; a failure is logged and retried at the next tick. */
  async purge(): Promise<number> {
    const days = this.config.analytics.retentionDays;
    try {
      const n = await this.repository.purgeOlderThan(days);
      if (n > 0) this.logger.log(`deleted ${n} searches and events older than ${days} days`);
      return n;
    } catch (error) {
      this.logger.warn(`purging old analytics failed: ${(error as Error).message}`);
      return 0;
    }
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
