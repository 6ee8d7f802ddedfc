import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from '@vitrine/core';
import { EmbedderModule } from './embedder.module';
import { configureEmbedder } from './embedder.setup';

/**
 * The embedding service (`npm run start:embedder`): loads MODEL_DIR's graphs (on CUDA with EMBEDDING_DEVICE=cuda
 * where the provider is installed) and serves them over the KServe v2 HTTP protocol on HOST:PORT. API and indexer
 * processes with EMBEDDING_URL pointing here send it their tokenised texts and preprocessed pictures.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestExpressApplication>(EmbedderModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureEmbedder(app);
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `serving ${config.embedding.modelDir} on http://${config.http.host}:${config.http.port}/v2`,
    'Embedder',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
