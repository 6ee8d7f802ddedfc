import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, ConfigModule, pinoHttpParams, type AppConfig } from '@vitrine/core';
import { CatalogModule } from '@vitrine/catalog';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { IndexingModule, indexingRole, type IndexingModuleOptions } from '@vitrine/indexing';
import { SEARCH_MIGRATIONS, SearchModule, type SearchModuleOptions } from '@vitrine/search';
import { ASSISTANT_MIGRATIONS } from '@vitrine/assistant';
import { AdminController } from './admin/admin.controller';
import { AdminImportController } from './admin/admin-import.controller';
import { ImportJobs } from './admin/import-jobs.service';
import { ANALYTICS_MIGRATIONS, AnalyticsHttpModule } from './analytics/analytics-http.module';
import { AdminService } from './admin/admin.service';
import { ChatHttpModule } from './chat/chat-http.module';
import { DemoCatalogSeeder } from './demo/demo-catalog.seeder';
import { HealthController } from './health/health.controller';
import { ReadinessIndicators } from './health/readiness';
import { StorageHealth } from './health/storage-health';
import { AdminAuthModule } from './http/admin-auth-limiter';
import { ApiKeyGuard } from './http/api-key.guard';
import { ClientThrottlerGuard, RATE_LIMIT_WINDOW_MS } from './http/client-throttler.guard';
import { ApiExceptionFilter } from './http/error.filter';
import { MediaTypeGuard } from './http/media-type.guard';
import { requestIdOf } from './http/request-id';
import { INSIGHTS_MIGRATIONS, InsightsHttpModule } from './insights/insights-http.module';
import { ApiMetrics } from './metrics/api-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { ProductsController } from './products/products.controller';
import { ProductDetailModule } from './products/product-detail.module';
import { SearchController } from './search/search.controller';
import { SuggestController } from './search/suggest.controller';
import { SynonymsController } from './admin/synonyms.controller';
import { WebModule } from './web/web.module';
import { PictureFacetAttributes } from './search/picture-facet-attributes';

export interface ApiModuleOptions {
  /** Indexing role; default: `worker` in embedded mode (no REDIS_URL), `producer` with Redis. */
  readonly indexing?: IndexingModuleOptions;
  readonly search?: SearchModuleOptions;
  /** Metrics registry to use (tests read it); a new one by default. */
  readonly metrics?: ApiMetrics;
}

/** The HTTP API over the capability modules; in embedded mode it also runs the indexer. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: ApiModuleOptions = {}): DynamicModule {
    const metrics = options.metrics ?? new ApiMetrics();
    const limit = config.http.rateLimitPerMinute;
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // One coloured line per entry on a terminal, JSON lines otherwise (LOG_FORMAT).
          pinoHttp: pinoHttpParams(config, {
            level: config.logLevel,
            genReqId: requestIdOf,
            // Probes and scrapes every few seconds would drown the request log.
            autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') },
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            // One short line per request: full header dumps cost CPU on every search and may carry secrets.
            serializers: {
              req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
                remoteAddress: req.remoteAddress,
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          }),
          renameContext: 'context',
        }),
        CatalogModule.forRoot({
          migrations: [
            ...INSIGHTS_MIGRATIONS,
            ...ASSISTANT_MIGRATIONS,
            ...ANALYTICS_MIGRATIONS,
            ...SEARCH_MIGRATIONS,
          ],
        }),
        EmbeddingModule.forRoot({
          onBatch: metrics.onEmbeddingBatch,
          // An API that also indexes (embedded mode) keeps searches off the indexer's model runs.
          interactiveSessions: indexingRole(config, options.indexing) === 'worker' ? 'separate' : 'shared',
        }),
        VectorsModule.forRoot(),
        IndexingModule.forRoot(options.indexing),
        SearchModule.forRoot({ facetAttributes: PictureFacetAttributes, ...options.search }),
        InsightsHttpModule,
        ChatHttpModule,
        WebModule,
        AnalyticsHttpModule.forRoot(metrics),
        ProductDetailModule,
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: RATE_LIMIT_WINDOW_MS, limit: Math.max(1, limit) }],
          skipIf: () => limit === 0,
          errorMessage: (_context, detail) =>
            `rate limit of ${limit} requests per minute exceeded (per client, all public routes together); retry in ${detail.timeToBlockExpire} s`,
        }),
        AdminAuthModule,
      ],
      controllers: [
        SearchController,
        SuggestController,
        SynonymsController,
        ProductsController,
        AdminController,
        AdminImportController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: ApiMetrics, useValue: metrics },
        {
          provide: StorageHealth,
          useFactory: (c: AppConfig) => StorageHealth.forConfig(c),
          inject: [APP_CONFIG],
        },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useClass: MediaTypeGuard },
        // Every route counts against its client's one bucket unless it opts out with @SkipThrottle().
        { provide: APP_GUARD, useClass: ClientThrottlerGuard },
        ApiKeyGuard,
        AdminService,
        ImportJobs,
        ReadinessIndicators,
        DemoCatalogSeeder,
      ],
    };
  }
}
