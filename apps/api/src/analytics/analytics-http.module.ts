import { Module, type DynamicModule } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ANALYTICS_MIGRATIONS, AnalyticsModule } from '@vitrine/analytics';
import { ApiKeyGuard } from '../http/api-key.guard';
import type { ApiMetrics } from '../metrics/api-metrics';
import { AdminAnalyticsController } from './admin-analytics.controller';
import { EventsController } from './events.controller';

export { ANALYTICS_MIGRATIONS };

/**
 * `POST /v1/events` and `GET /v1/admin/analytics` over the (global) AnalyticsModule, whose `AnalyticsService` the
 * search routes use to record searches. The catalog must run {@link ANALYTICS_MIGRATIONS}.
 */
@Module({})
export class AnalyticsHttpModule {
  static forRoot(metrics: ApiMetrics): DynamicModule {
    const dropped = new Counter({
      name: 'vitrine_analytics_searches_dropped_total',
      help: 'Recorded searches dropped because the database did not take them before the buffer filled',
      registers: [metrics.registry],
    });
    return {
      module: AnalyticsHttpModule,
      imports: [AnalyticsModule.forRoot({ onDropped: (n) => dropped.inc(n) })],
      controllers: [EventsController, AdminAnalyticsController],
      providers: [ApiKeyGuard],
    };
  }
}
