import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { AppConfig } from '@vitrine/core';
import type { AdminAuthLimiter } from './admin-auth-limiter';
import { errorBody } from './api-error';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/** A Fastify `onRequest` hook in callback style: it calls `done` to go on, or answers and does not. */
export type RequestHook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;

/** The path of a request target, without its query. */
export const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** Paths of the web storefront and admin console (apps/api/src/web): pages and their hashed assets. */
export const isWebPath = (path: string): boolean =>
  path === '/' || /^\/(products|admin|assets)(\/|$)/.test(path);

/**
 * The usual security headers (helmet) on every answer. API answers get a CSP that allows nothing (they are JSON and
 * images, never pages); the Swagger UI under DOCS_PATH gets one that lets its own scripts, styles and icons load
 * and nothing from elsewhere. The web storefront's pages (`/`, `/products/…`, `/admin…`, `/assets/…`) get a page CSP:
 * their own scripts, styles and API calls, pictures from here or any https host (catalog images may redirect to one),
 * `data:` and `blob:` pictures (answer heatmaps, the shopper's own picture), never framed. `Cross-Origin-Resource-Policy: cross-origin` because shops show product images
 * (`/v1/products/:id/images/:n`) on their own sites; which origins may *read* answers is CORS_ORIGINS' business.
 * Browsers ignore `Strict-Transport-Security` over plain HTTP, so it only matters behind a TLS terminator.
 */
export function securityHeaders(config: AppConfig): RequestHook {
  const common = {
    crossOriginResourcePolicy: { policy: 'cross-origin' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
    // HTTPS for a year on this host only: the API should not decide for every subdomain of the shop's domain.
    strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: false },
  };
  const api = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
      },
    },
  });
  const docs = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // Swagger UI's page carries inline <style> blocks and style attributes.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
      },
    },
  });
  const web = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:', 'https:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
      },
    },
  });
  const docsPrefix = `/${config.http.docs.path}`;
  return (req, reply, done) => {
    const path = pathOf(req.raw.url ?? '/');
    const underDocs = config.http.docs.enabled && (path === docsPrefix || path.startsWith(`${docsPrefix}/`));
    // helmet only sets headers, on the raw response: they reach every answer, streamed ones included.
    (underDocs ? docs : isWebPath(path) ? web : api)(req.raw, reply.raw, (err?: unknown) =>
      done(err instanceof Error ? err : undefined),
    );
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Guards `/metrics` (and what lies under it, as Express's mount did): 404 when METRICS_ENABLED is off, and with METRICS_API_KEY set a 401 unless the
 * request carries `Authorization: Bearer <key>` (what Prometheus' `authorization` scrape setting sends). Wrong
 * keys count with the admin failures of the same client ({@link AdminAuthLimiter}), so guessing is throttled too.
 */
export function metricsAccess(config: AppConfig, limiter: AdminAuthLimiter): RequestHook {
  const { enabled, apiKey } = config.http.metrics;
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  return (req, reply, next) => {
    const path = pathOf(req.raw.url ?? '/').toLowerCase();
    if (path !== METRICS_PATH && !path.startsWith(`${METRICS_PATH}/`)) return next();
    if (!enabled) {
      void reply.code(404).send(errorBody('NOT_FOUND', `Cannot ${req.method} ${req.raw.url ?? ''}`));
      return;
    }
    if (!expected) return next();
    const wait = limiter.retryAfterSeconds(req);
    if (wait > 0) {
      void reply
        .code(429)
        .header('Retry-After', String(wait))
        .send(
          errorBody('RATE_LIMITED', `too many failed authentications from this address; retry in ${wait} s`, {
            retryAfterSeconds: wait,
          }),
        );
      return;
    }
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) return next();
    limiter.recordFailure(req, match ? 'wrong metrics bearer token' : 'no metrics bearer token');
    void reply
      .code(401)
      .header('WWW-Authenticate', 'Bearer realm="metrics"')
      .send(errorBody('UNAUTHORIZED', 'metrics need Authorization: Bearer <METRICS_API_KEY>'));
  };
}
