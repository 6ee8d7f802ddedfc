import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@vitrine/core';
import { errorBody } from '../http/api-error';

/**
 * Where `npm run build:web` writes: dist/web beside dist/apps when running the build (…/dist/apps/api/src/web →
 * …/dist/web), the repository's dist/web when running from the sources (tests, swc-node).
 */
export const WEB_BUILD_DIRS = [
  resolve(__dirname, '../../../../web'),
  resolve(__dirname, '../../../../dist/web'),
];

/** Injection token of the folders searched for the web build, first match wins (tests point it elsewhere). */
export const WEB_DIRS = Symbol('WEB_DIRS');

/** Hashed asset names (`main-ZFWBYJEC.js`, `chunk-….js.map`): nothing else is served from assets/. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css|map)$/;

const YEAR_S = 365 * 24 * 3600;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The web storefront and admin console (dist/web) from the API's origin: index.html for the pages the single-page
 * app routes itself (`/`, `/products/:id`, `/admin`, `/admin/…`), hashed assets under `/assets` with a year of
 * cache. API, docs, metrics and health routes are elsewhere and never reach here. Without a web build, a 503 that
 * says how to make one (HTML for browsers, the API's JSON error otherwise).
 */
@ApiExcludeController()
@SkipThrottle()
@Controller()
export class WebController {
  private dir: string | undefined;

  constructor(@Inject(WEB_DIRS) private readonly candidates: readonly string[]) {}

  // find-my-way takes only an unnamed wildcard, at the end.
  @Get(['/', 'products/:id', 'admin', 'admin/*'])
  page(@Req() req: FastifyRequest, @Res() res: FastifyReply): void {
    const dir = this.webDir();
    if (!dir) return missingBuild(req, res);
    sendFile(res, join(dir, 'index.html'), 'no-cache');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Req() req: FastifyRequest, @Res() res: FastifyReply): void {
    const dir = this.webDir();
    if (!dir) return missingBuild(req, res);
    const path = join(dir, 'assets', file);
    if (!ASSET_NAME.test(file) || !existsSync(path)) throw new NotFoundError('web asset', file);
    sendFile(res, path, `public, max-age=${YEAR_S}, immutable`);
  }

  /** Looked up until found, so a build made after boot is served without a restart. */
  private webDir(): string | undefined {
    this.dir ??= this.candidates.find((d) => existsSync(join(d, 'index.html')));
    return this.dir;
  }
}

const MISSING = 'the web storefront is not built: run `npm run build:web` (or `npm run build`) and reload';

/** A file of the web build, streamed, with its type, size and modification time. */
function sendFile(res: FastifyReply, path: string, cacheControl: string): void {
  const stat = statSync(path);
  void res
    .header('Cache-Control', cacheControl)
    .header('Content-Type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream')
    .header('Content-Length', String(stat.size))
    .header('Last-Modified', stat.mtime.toUTCString())
    .send(createReadStream(path));
}

/** Whether the client prefers HTML to JSON (JSON on a tie or without Accept), as Express's `req.accepts` decided. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = (type: string): number => {
    let best = { specificity: -1, q: 0 };
    for (const part of accept.split(',')) {
      const [range = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(/^\s*q=([\d.]+)/.exec(params.find((p) => /^\s*q=/.test(p)) ?? '')?.[1] ?? 1);
      const [major, minor] = range.trim().split('/');
      const [tMajor, tMinor] = type.split('/');
      const specificity =
        major === tMajor && minor === tMinor
          ? 2
          : major === tMajor && minor === '*'
            ? 1
            : range.trim() === '*/*'
              ? 0
              : -1;
      if (specificity > best.specificity) best = { specificity, q: Number.isFinite(q) ? q : 0 };
    }
    return best.q;
  };
  const html = quality('text/html');
  return html > 0 && html > quality('application/json');
}

function missingBuild(req: FastifyRequest, res: FastifyReply): void {
  void res.code(503).header('Cache-Control', 'no-store');
  if (prefersHtml(req.headers.accept)) {
    void res
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vitrine: web build missing</title></head>' +
          `<body><main><h1>The shop is not built yet</h1><p>${MISSING.replace(/`([^`]+)`/g, '<code>$1</code>')}.</p>` +
          '<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p></main></body></html>',
      );
    return;
  }
  void res.send(errorBody('UNAVAILABLE', MISSING));
}
