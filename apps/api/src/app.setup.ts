import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { INestApplication } from '@nestjs/common';
import { HttpException } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import bodyParser from 'body-parser';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type AppConfig } from '@vitrine/core';
import { AdminAuthLimiter } from './http/admin-auth-limiter';
import { errorBody } from './http/api-error';
import { metricsAccess, securityHeaders, type RequestHook } from './http/operator-endpoints';
import { requestIdOf } from './http/request-id';
import { apiValidationPipe, INPUT_LIMITS } from './http/validation';
import { ApiMetrics } from './metrics/api-metrics';
import { httpMetricsHooks } from './metrics/http-metrics.middleware';

/**
 * JSON body limits by route: a search, a question or a review holds a few kilobytes (the largest legal search,
 * 100 brands and 100 categories of 200 characters, about 45 kB); an admin write holds one product (at most about
 * 170 kB: a 20,000-character description at 4 UTF-8 bytes a character, 32 image URLs of 2,048, 16 kB of
 * attributes). Parsing is the cost a body imposes before anything can refuse it (60,000 keys in 650 kB took
 * ~100 ms), so the limits stay near what a legal request needs. Images come as multipart uploads (IMAGE_MAX_BYTES).
 */
export const JSON_BODY_LIMITS = { admin: 256 * 1024, other: 64 * 1024 } as const;

const isAdminRoute = (req: IncomingMessage): boolean =>
  (req.url ?? '').toLowerCase().startsWith('/v1/admin/');
const isJson = (req: IncomingMessage): boolean =>
  /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/**
 * The API's HTTP adapter (Fastify) with the router and proxy settings the API relies on: routes match regardless of
 * case and of a trailing slash, and path parameters of any length reach the validators (which answer 400 or 404 in
 * the API's error shape, where find-my-way would refuse past 100 characters). Request ids come from
 * {@link requestIdOf}, so Fastify, the request log and X-Request-Id agree.
 */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  const trust = config.http.trustProxy;
  const headers = securityHeaders(config);
  return new FastifyAdapter({
    // Which peers may name the client in X-Forwarded-For; request.ip (the rate limits' client) follows it.
    trustProxy: typeof trust === 'object' ? [...trust] : trust,
    // Bodies are read by the JSON parser below, which enforces each route's own limit; this is Fastify's ceiling.
    bodyLimit: JSON_BODY_LIMITS.admin,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 16 * 1024,
      // node:querystring, as Express parsed queries: its first 1,000 parameters, the rest dropped before any work.
      querystringParser: (query: string) => parseQuery(query),
    },
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    // While the app closes, a request on a connection already open is served (as under Express), so that whatever
    // refuses it answers in the API's error shape rather than with Fastify's own 503 body.
    return503OnClosing: false,
    // A path Fastify cannot decode (`/v1/products/%E0`): answered in the API's error shape, with the usual headers.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      headers(request, reply, () => {
        reply.raw.setHeader('X-Request-Id', request.id);
        const status = typeof error.statusCode === 'number' ? error.statusCode : 400;
        void reply
          .code(status)
          .send(errorBody(status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', error.message));
      });
    },
  });
}

/**
 * Everything about the HTTP app that is not a module: body parsing (and its errors in our error shape),
 * validation, CORS, security headers, who may see /metrics, OpenAPI at /DOCS_PATH (default /docs). Shared by main.ts
 * and the end-to-end tests, so tests exercise the same app. Create the app on {@link createHttpAdapter} with
 * `bodyParser: false`.
 */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  const adapter = app.getHttpAdapter() as unknown as FastifyAdapter;
  const fastify = adapter.getInstance();
  // Run first, before CORS and Nest's middleware (the request log), in the order Express ran them.
  const hooks: RequestHook[] = [
    securityHeaders(config),
    metricsAccess(config, app.get(AdminAuthLimiter)),
    (req, reply, done) => {
      requestIdOf(req.raw, reply.raw);
      done();
    },
  ];
  const metrics = httpMetricsHooks(app.get(ApiMetrics));
  adapter.setOnRequestHook((req, reply, done) => {
    metrics.onRequest(req);
    runHooks(hooks, req, reply, done);
  });
  adapter.setOnResponseHook((req, reply, done) => {
    metrics.onResponse(req, reply);
    done();
  });
  fastify.removeAllContentTypeParsers();
  // One parser for every media type: JSON bodies are read with their route's limit (enforced while reading, before
  // parsing, gzip and deflate bodies inflated as they come); any other body is left unread for multer (multipart
  // routes) or for the media-type guard to refuse.
  const parsers = {
    admin: bodyParser.json({ limit: JSON_BODY_LIMITS.admin, type: () => true }),
    other: bodyParser.json({ limit: JSON_BODY_LIMITS.other, type: () => true }),
  };
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload: unknown, done) => {
    const req = request.raw as IncomingMessage & { body?: unknown };
    if (!isJson(req)) {
      done(null, undefined);
      return;
    }
    const parse = isAdminRoute(req) ? parsers.admin : parsers.other;
    parse(req, {} as ServerResponse, (err: unknown) =>
      err ? done(bodyError(err), undefined) : done(null, req.body),
    );
  });
  app.useGlobalPipes(apiValidationPipe());
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : [...config.http.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'X-Api-Key', 'X-Request-Id'],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
      ],
      maxAge: 600,
    });
  }
  if (!config.http.docs.enabled) return;
  const document = createOpenApiDocument(app);
  const docs = config.http.docs.path;
  SwaggerModule.setup(docs, app, document, { jsonDocumentUrl: `${docs}/openapi.json` });
}

function runHooks(
  hooks: readonly RequestHook[],
  req: FastifyRequest,
  reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  const step =
    (i: number) =>
    (err?: Error): void => {
      if (err) return done(err);
      // A hook that answered (the metrics guard) ends the chain without calling on.
      if (reply.sent) return;
      const hook = hooks[i];
      if (!hook) return done();
      hook(req, reply, step(i + 1));
    };
  step(0)();
}

/**
 * body-parser's refusals (malformed, oversized or undecodable bodies, unsupported encodings) as the API's errors,
 * with the codes and messages they had under Express.
 */
function bodyError(err: unknown): Error {
  if (!err || typeof err !== 'object') return new Error('the body parser failed without an error');
  const e = err as { status?: number; type?: string; message?: string; limit?: number };
  const clientError = typeof e.status === 'number' && e.status >= 400 && e.status < 500;
  if (!('type' in err) && !clientError)
    return err instanceof Error ? err : new Error('the body parser failed without an error');
  const status = e.status ?? 400;
  if (e.type === 'entity.too.large')
    return new DomainError(
      'PAYLOAD_TOO_LARGE',
      `request body larger than the ${e.limit ?? ''}-byte limit of this route; upload images as multipart/form-data`,
      e.limit !== undefined ? { limit: e.limit } : {},
    );
  const message =
    e.type === 'entity.parse.failed'
      ? `malformed JSON: ${e.message ?? ''}`
      : e.type === undefined
        ? `unreadable request body: ${e.message ?? ''}`
        : (e.message ?? 'bad request body');
  return new HttpException({ message, details: {} }, status);
}

/** The OpenAPI document served at DOCS_PATH; `npm run openapi` commits it as docs/openapi.json. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vitrine')
      .setDescription(
        'Product retrieval by picture and words. Errors are `{ "error": { "code", "message", "details" } }`. ' +
          `Every request: JSON bodies up to ${JSON_BODY_LIMITS.other / 1024} kB (admin routes ` +
          `${JSON_BODY_LIMITS.admin / 1024} kB, else 413); at most ${INPUT_LIMITS.maxEntries} keys and list items ` +
          `and ${INPUT_LIMITS.maxDepth} levels of nesting; no control characters but tab, CR and LF in any field, ` +
          'key or path parameter (400 naming the field, the first ' +
          `${INPUT_LIMITS.maxProblems} problems listed and the rest counted in details.more).`,
      )
      .setVersion('1')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
      .build(),
  );
}
