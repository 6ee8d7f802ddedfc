import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { ConfigError, loadConfig } from '@vitrine/core';
import { ApiModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';

/**
 * The HTTP API. With nothing configured it runs embedded (PGlite, embedded vector store, in-process indexer) and
 * imports the demo catalog on first run. SIGTERM/SIGINT stop accepting connections, finish requests and indexing
 * jobs in flight, and close the stores.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config),
    createHttpAdapter(config),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  configureApp(app, config);
  await app.listen(config.http.port, config.http.host);
  const docs = config.http.docs.enabled ? `docs at /${config.http.docs.path}` : 'docs off: DOCS_ENABLED';
  app.get(Logger).log(`listening on http://${config.http.host}:${config.http.port} (${docs})`, 'Api');
  exitWhenCatalogIsLost(app);
}

/**
 * Embedded PGlite restarts itself after a crash; when every restart failed the process can no longer serve, so it
 * shuts down (requests in flight finish with 503) and exits 1 for its supervisor (compose `restart:`) to restart it.
 */
function exitWhenCatalogIsLost(app: NestFastifyApplication): void {
  void app.get<CatalogDatabase>(CATALOG_DATABASE).unrecoverable.then((e) => {
    app.get(Logger).error(`${e.message}; exiting so that the supervisor restarts Vitrine`, 'Api');
    setTimeout(() => process.exit(1), 15_000).unref();
    const exit = (): never => process.exit(1);
    app.close().then(exit, exit);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
