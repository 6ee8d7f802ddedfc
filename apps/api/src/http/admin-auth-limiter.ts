import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';

/**
 * Failures per client in a sliding window. A client with `limit` failures in the last `windowMs` is refused until the
 * oldest of them leaves the window, so a key guesser gets at most `limit` guesses per window. Memory is bounded:
 * at most `limit` timestamps per client and `maxClients` clients (the least recently failing are forgotten first).
 */
export class FailureWindow {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxClients = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `client` may try again; 0 when it may now. */
  blockedForMs(client: string): number {
    const times = this.live(client);
    if (times.length < this.limit) return 0;
    return Math.max(1, (times[0] ?? 0) + this.windowMs - this.now());
  }

  /** Records a failure; returns the client's failures in the window, this one included. */
  record(client: string): number {
    const times = this.live(client);
    times.push(this.now());
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
    // Re-insert so that the map's order is least recently failing first.
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.maxClients) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
    return times.length;
  }

  private live(client: string): number[] {
    const times = this.failures.get(client);
    if (!times) return [];
    const cutoff = this.now() - this.windowMs;
    while (times.length > 0 && (times[0] ?? 0) <= cutoff) times.shift();
    if (times.length === 0) this.failures.delete(client);
    return times;
  }
}

/** What the limiter needs of a request (Fastify's; the embedder's Express request has the same fields). */
export interface ClientRequest {
  readonly ip?: string;
  readonly method: string;
  readonly url: string;
  readonly socket?: { readonly remoteAddress?: string };
}

/** The client address the limits count by: Fastify's `request.ip` (which honours TRUST_PROXY), IPv6 by /64. */
export function clientOf(req: ClientRequest): string {
  return req.ip ? normalizeIp(req.ip) : (req.socket?.remoteAddress ?? 'unknown');
}

/**
 * Throttles failed admin authentication: after ADMIN_AUTH_FAILURES_PER_MINUTE failures in a minute, every admin
 * request from that client answers 429 (even with a right key, or guessing could go on) until the oldest failure
 * is a minute old. Each failure is logged with the client address and route, never the key that was tried.
 */
@Injectable()
export class AdminAuthLimiter {
  static readonly WINDOW_MS = 60_000;
  private readonly log = new Logger('AdminAuth');
  private readonly window: FailureWindow;
  private readonly limit: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limit = config.http.adminAuthFailuresPerMinute;
    this.window = new FailureWindow(this.limit, AdminAuthLimiter.WINDOW_MS);
  }

  /** Seconds `req`'s client must wait before trying again (0: it may try now). */
  retryAfterSeconds(req: ClientRequest): number {
    return Math.ceil(this.window.blockedForMs(clientOf(req)) / 1000);
  }

  /** Counts a failed authentication of `req` and logs it; `reason` must not contain the key. */
  recordFailure(req: ClientRequest, reason: string): void {
    const client = clientOf(req);
    const count = this.window.record(client);
    const where = `${req.method} ${req.url.split('?')[0] ?? ''}`;
    if (count >= this.limit) {
      const wait = Math.ceil(this.window.blockedForMs(client) / 1000);
      this.log.warn(
        `admin authentication failed from ${client} on ${where} (${reason}): ${count} failures in a minute, admin routes refused to this client for ${wait} s`,
      );
    } else {
      this.log.warn(
        `admin authentication failed from ${client} on ${where} (${reason}): ${count} of ${this.limit} failures allowed per minute`,
      );
    }
  }
}

/** Provides the one {@link AdminAuthLimiter} every admin guard shares (the API and the insights module). */
@Global()
@Module({ providers: [AdminAuthLimiter], exports: [AdminAuthLimiter] })
export class AdminAuthModule {}
