// node -r @swc-node/register bench/support/http-adapter-server.ts express|express-bare|fastify-bare
// The real ApiModule under one HTTP adapter, for bench/http-adapter.ts (ADR 0007). `express` is the API as main.ts
// starts it (configureApp: helmet, request ids, HTTP metrics, two size-capped JSON parsers, CORS, Swagger);
// `express-bare` and `fastify-bare` are the same modules with only what a search needs from the HTTP layer (JSON
// body parsing with a 64 kB cap, the validation pipe), so that the two adapters are compared like for like and the
// middleware's own cost shows apart. Environment as for main.ts.
import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@vitrine/core';
import { ApiModule } from '../../apps/api/src/app.module';
import { configureApp, JSON_BODY_LIMITS } from '../../apps/api/src/app.setup';
import { apiValidationPipe } from '../../apps/api/src/http/validation';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- express's own dependency, no types installed
const typeIs = require('type-is') as (req: IncomingMessage, types: string[]) => string | false | null;

export const ADAPTERS = ['express', 'express-bare', 'fastify-bare'] as const;
export type Adapter = (typeof ADAPTERS)[number];

async function main(adapter: Adapter): Promise<void> {
  const config = loadConfig();
  const module = ApiModule.forRoot(config);
  if (adapter === 'fastify-bare') {
    const trust = config.http.trustProxy;
    const fastify = new FastifyAdapter({
      bodyLimit: JSON_BODY_LIMITS.other,
      trustProxy: typeof trust === 'object' ? [...trust] : trust,
    });
    // The API's error filter and middleware speak Express's response API; these two calls are all that a 400 on a
    // search route needs of it (a migration would rewrite the filter against Fastify's reply instead).
    fastify
      .getInstance()
      .decorateReply('json', function (this: { send(b: unknown): unknown }, body: unknown) {
        return this.send(body);
      });
    fastify
      .getInstance()
      .decorateReply(
        'setHeader',
        function (this: { header(k: string, v: string): unknown }, k: string, v: string) {
          return this.header(k, v);
        },
      );
    // The media-type guard asks Express's req.is().
    fastify.getInstance().decorateRequest('is', function (this: { raw: IncomingMessage }, types: string[]) {
      return typeIs(this.raw, types);
    });
    // find-my-way only takes an unnamed wildcard at the end: the web pages' `admin/*path` becomes `admin/*`.
    fastify.getInstance().addHook('onRoute', (route) => {
      route.url = route.url.replace(/\*\w+$/, '*');
    });
    const app = await NestFactory.create<NestFastifyApplication>(module, fastify, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.useGlobalPipes(apiValidationPipe());
    await app.listen(config.http.port, config.http.host);
  } else {
    const app = await NestFactory.create<NestExpressApplication>(module, {
      bufferLogs: true,
      bodyParser: adapter === 'express-bare',
    });
    app.useLogger(app.get(Logger));
    if (adapter === 'express') configureApp(app, config);
    else {
      app.useBodyParser('json', { limit: JSON_BODY_LIMITS.other });
      app.useGlobalPipes(apiValidationPipe());
    }
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
