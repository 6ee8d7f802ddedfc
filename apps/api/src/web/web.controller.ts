import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
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

  @Get(['/', 'products/:id', 'admin', 'admin/*path'])
  page(@Req() req: Request, @Res() res: Response): void {
    const dir = this.webDir();
    if (!dir) return missingBuild(req, res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Req() req: Request, @Res() res: Response): void {
    const dir = this.webDir();
    if (!dir) return missingBuild(req, res);
    const path = join(dir, 'assets', file);
    if (!ASSET_NAME.test(file) || !existsSync(path)) throw new NotFoundError('web asset', file);
    res.setHeader('Cache-Control', `public, max-age=${YEAR_S}, immutable`);
    res.sendFile(path);
  }

  /** Looked up until found, so a build made after boot is served without a restart. */
  private webDir(): string | undefined {
    this.dir ??= this.candidates.find((d) => existsSync(join(d, 'index.html')));
    return this.dir;
  }
}

const MISSING = 'the web storefront is not built: run `npm run build:web` (or `npm run build`) and reload';

function missingBuild(req: Request, res: Response): void {
  res.status(503).setHeader('Cache-Control', 'no-store');
  if (req.accepts(['json', 'html']) === 'html') {
    res
      .type('html')
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vitrine: web build missing</title></head>' +
          `<body><main><h1>The shop is not built yet</h1><p>${MISSING.replace(/`([^`]+)`/g, '<code>$1</code>')}.</p>` +
          '<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p></main></body></html>',
      );
    return;
  }
  res.json(errorBody('UNAVAILABLE', MISSING));
}
