import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '@vitrine/core';
import { AdminAuthLimiter } from './http/admin-auth-limiter';
import { errorBody } from './http/api-error';
import { codeOfStatus } from './http/error.filter';
import { METRICS_PATH, metricsAccess, securityHeaders } from './http/operator-endpoints';
import { requestIdOf } from './http/request-id';
import { apiValidationPipe, INPUT_LIMITS } from './http/validation';
import { ApiMetrics } from './metrics/api-metrics';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';

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
 * Everything about the HTTP app that is not a module: body parsing (and its errors in our error shape),
 * validation, CORS, security headers, who may see /metrics, OpenAPI at /DOCS_PATH (default /docs). Shared by main.ts
 * and the end-to-end tests, so tests exercise the same app. Create the app with `bodyParser: false`.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.disable('x-powered-by');
  // Which peers may name the client in X-Forwarded-For; req.ip (the rate limits' client) follows it.
  app.set('trust proxy', config.http.trustProxy);
  app.use(securityHeaders(config));
  app.use(METRICS_PATH, metricsAccess(config, app.get(AdminAuthLimiter)));
  app.use((req: Request, res: Response, next: NextFunction) => {
    requestIdOf(req, res);
    next();
  });
  app.use(httpMetricsMiddleware(app.get(ApiMetrics)));
  // Two parsers, each reading only its routes' bodies: the limit is enforced while reading, before parsing.
  app.useBodyParser('json', { limit: JSON_BODY_LIMITS.admin, type: (r) => isJson(r) && isAdminRoute(r) });
  app.useBodyParser('json', { limit: JSON_BODY_LIMITS.other, type: (r) => isJson(r) && !isAdminRoute(r) });
  // body-parser reports malformed, oversized or undecodable bodies through Express, before Nest's filters see the
  // request: with a `type`, or (a gzip body that is not gzip) only a 4xx status on the zlib error.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!err || typeof err !== 'object' || res.headersSent) return next(err);
    const e = err as { status?: number; type?: string; message?: string; limit?: number };
    const clientError = typeof e.status === 'number' && e.status >= 400 && e.status < 500;
    if (!('type' in err) && !clientError) return next(err);
    const status = e.status ?? 400;
    const message =
      e.type === 'entity.too.large'
        ? `request body larger than the ${e.limit ?? ''}-byte limit of this route; upload images as multipart/form-data`
        : e.type === 'entity.parse.failed'
          ? `malformed JSON: ${e.message ?? ''}`
          : e.type === undefined
            ? `unreadable request body: ${e.message ?? ''}`
            : (e.message ?? 'bad request body');
    const details = e.type === 'entity.too.large' && e.limit !== undefined ? { limit: e.limit } : {};
    res.status(status).json(errorBody(codeOfStatus(status), message, details));
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
