import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';

/** The window public requests are counted in. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * The rate limit of every public route, installed as a global guard (probes, scrapes and admin routes opt out with
 * `@SkipThrottle()`). A client (its address, or its /64 for IPv6; behind a proxy only as `TRUST_PROXY` allows) has
 * one bucket shared by all routes: RATE_LIMIT_PER_MINUTE requests in all, not that many on each route.
 *
 * Every answer carries the IETF draft headers `RateLimit-Policy` (`600;w=60`), `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds); a 429 carries `Retry-After`: the seconds until the client's
 * block ends (a client over the limit is blocked for one window).
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { res } = this.getRequestResponse(request.context);
    this.setResponseHeader(res, 'RateLimit-Policy', `${request.limit};w=${Math.round(request.ttl / 1000)}`);
    return super.handleRequest(request);
  }

  /** One key per client and throttler, whatever the route (the base class keys by controller and handler too). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const { res } = this.getRequestResponse(context);
    this.setResponseHeader(res, 'RateLimit-Limit', detail.limit);
    this.setResponseHeader(res, 'RateLimit-Remaining', 0);
    this.setResponseHeader(res, 'RateLimit-Reset', detail.timeToBlockExpire);
    await super.throwThrottlingException(context, detail);
  }
}
