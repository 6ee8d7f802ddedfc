// node -r @swc-node/register bench/support/http-adapter-server.ts fastify|express-bare|fastify-bare
// The real ApiModule under one HTTP adapter, for bench/http-adapter.ts (ADR 0007). `fastify` is the API as main.ts
// starts it (createHttpAdapter + configureApp: helmet, request ids, HTTP metrics, the size-capped JSON parser, CORS,
// Swagger); `express-bare` and `fastify-bare` are the same modules with only what a search needs from the HTTP layer
// (JSON body parsing with a 64 kB cap, the validation pipe), so that the two adapters are compared like for like and
// the shipped setup's own cost shows apart. Environment as for main.ts.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@vitrine/core';
import { ApiModule } from '../../apps/api/src/app.module';
import { configureApp, createHttpAdapter, JSON_BODY_LIMITS } from '../../apps/api/src/app.setup';
import { apiValidationPipe } from '../../apps/api/src/http/validation';

export const ADAPTERS = ['fastify', 'express-bare', 'fastify-bare'] as const;
export type Adapter = (typeof ADAPTERS)[number];

async function main(adapter: Adapter): Promise<void> {
  const config = loadConfig();
  const module = ApiModule.forRoot(config);
  if (adapter === 'fastify') {
    const app = await NestFactory.create<NestFastifyApplication>(module, createHttpAdapter(config), {
      bufferLogs: true,
      bodyParser: false,
    });
    app.useLogger(app.get(Logger));
    configureApp(app, config);
    await app.listen(config.http.port, config.http.host);
  } else if (adapter === 'fastify-bare') {
    const trust = config.http.trustProxy;
    const fastify = new FastifyAdapter({
      bodyLimit: JSON_BODY_LIMITS.other,
      trustProxy: typeof trust === 'object' ? [...trust] : trust,
    });
    const app = await NestFactory.create<NestFastifyApplication>(module, fastify, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.useGlobalPipes(apiValidationPipe());
    await app.listen(config.http.port, config.http.host);
  } else {
    const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    // The API's guard and error filter speak Fastify's request and reply: these are all that a search and its 400
    // need of them on Express (`request.raw`, `reply.raw`, `reply.code()`; `header`/`send` exist on both).
    app.use((req: Request, res: Response, next: NextFunction) => {
      Object.assign(req, { raw: req });
      Object.assign(res, { raw: res, code: (status: number) => res.status(status) });
      next();
    });
    app.useBodyParser('json', { limit: JSON_BODY_LIMITS.other });
    app.useGlobalPipes(apiValidationPipe());
    await app.listen(config.http.port, config.http.host);
  }
  announce(`listening on http://${config.http.host}:${config.http.port} (${adapter})`);
}

function announce(msg: string): void {
  process.stdout.write(`${JSON.stringify({ msg })}\n`);
}

if (require.main === module) {
  const adapter = process.argv[2] as Adapter;
  if (!ADAPTERS.includes(adapter)) {
    process.stderr.write(`usage: http-adapter-server.ts ${ADAPTERS.join('|')}\n`);
    process.exit(2);
  }
  main(adapter).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
