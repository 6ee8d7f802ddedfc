import { createHash, timingSafeEqual } from 'node:crypto';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, DomainError, type AppConfig } from '@vitrine/core';
import { AdminAuthLimiter } from './admin-auth-limiter';

/** Header carrying an admin key. */
export const API_KEY_HEADER = 'x-api-key';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Admin routes need one of `ADMIN_API_KEYS` in `X-Api-Key`. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`: fixed length, so neither the content nor the length of a key leaks through timing, and every
 * configured key is compared (no early exit on the first match). Failures are counted per client by
 * {@link AdminAuthLimiter}: a client over ADMIN_AUTH_FAILURES_PER_MINUTE gets 429 with `Retry-After` on every admin
 * route, before its key is even looked at.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: readonly Buffer[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly limiter: AdminAuthLimiter,
  ) {
    this.keys = config.http.adminApiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0)
      throw new DomainError('UNAUTHORIZED', 'the admin API is disabled: no ADMIN_API_KEYS are configured');
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const wait = this.limiter.retryAfterSeconds(req);
    if (wait > 0) {
      void http.getResponse<FastifyReply>().header('Retry-After', String(wait));
      throw new HttpException(
        {
          message: `too many failed admin authentications from this address; retry in ${wait} s`,
          details: { retryAfterSeconds: wait },
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const header = req.headers[API_KEY_HEADER];
    if (typeof header !== 'string' || header === '') {
      this.limiter.recordFailure(req, 'no X-Api-Key header');
      throw new DomainError('UNAUTHORIZED', 'missing X-Api-Key header');
    }
    const given = digest(header);
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(given, key) || ok;
    if (!ok) {
      this.limiter.recordFailure(req, 'wrong X-Api-Key');
      throw new DomainError('UNAUTHORIZED', 'invalid API key');
    }
    return true;
  }
}
