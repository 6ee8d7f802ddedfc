import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, DomainError, type AppConfig } from '@vitrine/core';

/** Header carrying an admin key. */
export const API_KEY_HEADER = 'x-api-key';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Admin routes need one of `ADMIN_API_KEYS` in `X-Api-Key`. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`: fixed length, so neither the content nor the length of a key leaks through timing, and every
 * configured key is compared (no early exit on the first match).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: readonly Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.http.adminApiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0)
      throw new DomainError('UNAUTHORIZED', 'the admin API is disabled: no ADMIN_API_KEYS are configured');
    const header = context.switchToHttp().getRequest<Request>().headers[API_KEY_HEADER];
    if (typeof header !== 'string' || header === '')
      throw new DomainError('UNAUTHORIZED', 'missing X-Api-Key header');
    const given = digest(header);
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(given, key) || ok;
    if (!ok) throw new DomainError('UNAUTHORIZED', 'invalid API key');
    return true;
  }
}
