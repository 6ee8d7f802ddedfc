import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from '@vitrine/core';
import { IndexerModule } from './indexer.module';

/**
 * The indexer worker (full stack): consumes the BullMQ queue on REDIS_URL. SIGTERM/SIGINT finish the jobs in
 * flight and hand the rest back to the queue; after a `kill -9`, BullMQ's stalled-job check gives the killed
 * worker's jobs to the next worker once their lock expires. In embedded mode (no REDIS_URL) the API process
 * runs the indexer itself, so this entrypoint refuses to start.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.queue.kind !== 'redis') {
    throw new ConfigError([
      'REDIS_URL: required by the indexer process (without it, `npm start` runs the indexer inside the API process)',
    ]);
  }
  const app = await NestFactory.createApplicationContext(IndexerModule.forRoot(config), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  await app.init();
  // Our own handler rather than enableShutdownHooks(), which re-raises the signal: a clean stop exits 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing jobs in flight, handing the rest back to the queue`);
      app.close().then(
        () => process.exit(0),
        (e: unknown) => {
          logger.error(e);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
