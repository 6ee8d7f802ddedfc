import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, ConfigModule, pinoHttpParams, type AppConfig } from '@vitrine/core';
import { EmbeddingGraphServer } from '@vitrine/embedding';
import { EmbedderMetrics } from './embedder-metrics';
import { KServeController, MetricsController } from './kserve.controller';

/** Closes the graphs (their worker thread) when the app stops. */
class GraphServerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EmbeddingGraphServer) private readonly server: EmbeddingGraphServer) {}

  onApplicationShutdown(): Promise<void> {
    return this.server.close();
  }
}

/**
 * The embedding service: the model's two graphs behind the KServe v2 HTTP protocol, batched across every client
 * (API replicas, indexers). Configured by the same variables as the in-process model (MODEL_DIR, EMBEDDING_DEVICE,
 * EMBEDDING_THREADS, EMBEDDING_BATCH_SIZE, EMBEDDING_MAX_WAIT_MS, EMBEDDING_QUEUE_LIMIT) and HOST/PORT.
 */
@Module({})
export class EmbedderModule {
  static forRoot(config: AppConfig, metrics = new EmbedderMetrics()): DynamicModule {
    return {
      module: EmbedderModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: pinoHttpParams(config, {
            level: config.logLevel,
            // Thousands of inference requests a second would drown the log: only failures are written.
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'silent',
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          }),
          renameContext: 'context',
        }),
      ],
      controllers: [KServeController, MetricsController],
      providers: [
        { provide: EmbedderMetrics, useValue: metrics },
        {
          provide: EmbeddingGraphServer,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) =>
            EmbeddingGraphServer.load({
              modelDir: c.embedding.modelDir,
              device: c.embedding.device,
              threads: c.embedding.threads,
              batchSize: c.embedding.batchSize,
              maxWaitMs: c.embedding.maxWaitMs,
              queueLimit: c.embedding.queueLimit,
              onRun: metrics.onRun,
            }),
        },
        GraphServerLifecycle,
      ],
    };
  }
}
