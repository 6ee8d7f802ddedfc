import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Logger } from '@nestjs/common';
import { Agent, errors as undiciErrors, request } from 'undici';
import { DomainError } from '@vitrine/core';
import { isPublicAddress } from './address-policy';

const log = new Logger('SafeFetcher');

export interface SafeFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  /** Allow private, loopback and link-local targets (off by default: SSRF guard). */
  readonly allowPrivate: boolean;
  /** Which URL schemes may be fetched (redirect targets included). */
  readonly protocols?: readonly ('http:' | 'https:')[];
  /** Decides whether a resolved address may be connected to; defaults to {@link isPublicAddress}. */
  readonly addressPolicy?: (address: string) => boolean;
  /** DNS lookup, replaceable in tests. */
  readonly lookup?: typeof dns.lookup;
  /** PEM certificates trusted for https instead of Node's bundled CAs (tests; image hosts behind a private CA). */
  readonly ca?: string;
}

export interface FetchedBody {
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
  /** The URL the bytes came from, after redirects. */
  readonly finalUrl: string;
}

/**
 * Fetches a URL's body with the limits a server that fetches user-supplied URLs needs: a total timeout, a size
 * cap (checked against Content-Length and while streaming), a redirect limit with every hop re-validated, and
 * an address check done at connect time on the resolved IPs (so DNS rebinding cannot slip a private address
 * past a check made earlier).
 *
 * Errors: `FETCH_FORBIDDEN` (scheme or address refused — permanent), `FETCH_FAILED` with `details.status` for
 * HTTP errors (4xx permanent, 5xx transient via `details.transient`), `PAYLOAD_TOO_LARGE`, `UNAVAILABLE`
 * for timeouts and network errors (transient).
 */
export class SafeFetcher {
  private readonly agent: Agent;
  private readonly policy: (address: string) => boolean;
  private readonly protocols: readonly string[];
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SafeFetchOptions) {
    this.policy = options.allowPrivate ? () => true : (options.addressPolicy ?? isPublicAddress);
    this.protocols = options.protocols ?? ['https:', 'http:'];
    const baseLookup = options.lookup ?? dns.lookup;
    const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
      baseLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const list = addresses;
        const refused = list.find((a) => !this.policy(a.address));
        if (refused || list.length === 0) {
          // The resolved address stays in the server's log: telling the requester would map the internal network.
          log.debug(`refused ${hostname}: resolves to ${refused?.address ?? '(no address)'}`);
          return callback(new ForbiddenAddressError(hostname, 'resolved'), '', 0);
        }
        if (lookupOptions.all) return callback(null, list);
        const first = list[0]!;
        return callback(null, first.address, first.family);
      });
    };
    this.agent = new Agent({
      connect: {
        lookup: guardedLookup,
        timeout: options.timeoutMs,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async fetch(url: string): Promise<FetchedBody> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let current = this.validate(url);
    for (let hop = 0; ; hop++) {
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(current, {
          dispatcher: this.agent,
          method: 'GET',
          signal: deadline,
          headers: { accept: 'image/*', 'user-agent': 'vitrine-indexer/0.1' },
        });
      } catch (e) {
        throw this.translate(e, current);
      }
      const { statusCode, headers, body } = response;
      if (statusCode >= 300 && statusCode < 400 && headers.location) {
        await body.dump();
        if (hop >= this.options.maxRedirects) {
          throw new DomainError(
            'FETCH_FAILED',
            `too many redirects fetching ${url} (limit ${this.options.maxRedirects})`,
            {
              url,
              transient: false,
            },
          );
        }
        const next = this.validate(new URL(String(headers.location), current).toString());
        if (current.protocol === 'https:' && next.protocol === 'http:') {
          // A downgrade would send the request (and whatever the redirect carries) in clear text.
          throw new DomainError(
            'FETCH_FORBIDDEN',
            `refusing to follow a redirect from https to http (${current.host} to ${next.host})`,
            { url: current.toString(), location: next.toString() },
          );
        }
        current = next;
        continue;
      }
      if (statusCode < 200 || statusCode >= 300) {
        await body.dump();
        throw new DomainError('FETCH_FAILED', `fetching ${current.href} returned HTTP ${statusCode}`, {
          url: current.toString(),
          status: statusCode,
          transient: statusCode >= 500 || statusCode === 429,
        });
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.options.maxBytes) {
        body.destroy();
        throw tooLarge(current, this.options.maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of body) {
          size += (chunk as Buffer).length;
          if (size > this.options.maxBytes) {
            body.destroy();
            throw tooLarge(current, this.options.maxBytes);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (e) {
        if (e instanceof DomainError) throw e;
        throw this.translate(e, current);
      }
      const type = headers['content-type'];
      return {
        bytes: Buffer.concat(chunks, size),
        contentType: Array.isArray(type) ? type[0] : type,
        finalUrl: current.toString(),
      };
    }
  }

  /** Releases the connections; idempotent (the process's one fetcher may be closed by more than one owner). */
  async close(): Promise<void> {
    this.closing ??= this.agent.close();
    await this.closing;
  }

  private validate(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new DomainError('FETCH_FORBIDDEN', `not a valid URL: ${raw.slice(0, 200)}`, {
        url: raw.slice(0, 200),
      });
    }
    if (!this.protocols.includes(url.protocol)) {
      throw new DomainError(
        'FETCH_FORBIDDEN',
        `refusing to fetch ${url.protocol} URLs (allowed: ${this.protocols.join(', ')})`,
        {
          url: raw,
        },
      );
    }
    if (url.username || url.password) {
      throw new DomainError('FETCH_FORBIDDEN', 'refusing to fetch URLs with credentials', { url: url.host });
    }
    // IP literals never reach the DNS lookup, so check them here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIpLiteral(host) && !this.policy(host)) throw new ForbiddenAddressError(host, 'literal');
    return url;
  }

  private translate(e: unknown, url: URL): DomainError {
    const root = rootCause(e);
    if (root instanceof DomainError) return root;
    if (root instanceof ForbiddenAddressError) return root;
    const timedOut =
      root instanceof undiciErrors.HeadersTimeoutError ||
      root instanceof undiciErrors.BodyTimeoutError ||
      root instanceof undiciErrors.ConnectTimeoutError ||
      (root instanceof Error && (root.name === 'TimeoutError' || root.name === 'AbortError'));
    const code = (root as { code?: string } | undefined)?.code;
    // Socket errors name the address connected to ("connect ECONNREFUSED 10.0.0.5:80"): log it, answer the code.
    if (!timedOut)
      log.debug(`fetching ${url.href} failed: ${root instanceof Error ? root.message : String(root)}`);
    const message = timedOut
      ? `timed out after ${this.options.timeoutMs} ms fetching ${url.href}`
      : `could not fetch ${url.href}: ${typeof code === 'string' ? code : 'network error'}`;
    // DNS "no such host" is as permanent as a 404; everything else on the network may pass.
    const permanent = code === 'ENOTFOUND';
    return new DomainError(
      permanent ? 'FETCH_FAILED' : 'UNAVAILABLE',
      message,
      { url: url.toString(), transient: !permanent },
      { cause: e },
    );
  }
}

/**
 * A refused target address (SSRF guard). Permanent. Names the host the requester gave, never the address a
 * name resolved to (that is logged at debug level only).
 */
export class ForbiddenAddressError extends DomainError {
  constructor(host: string, how: 'literal' | 'resolved') {
    super(
      'FETCH_FORBIDDEN',
      how === 'literal'
        ? `refusing to fetch from ${host}: ${host} is a private, loopback or link-local address (only public addresses are fetched)`
        : `refusing to fetch from ${host}: it resolves to a private, loopback or link-local address (only public addresses are fetched)`,
      { host },
    );
  }
}

function tooLarge(url: URL, max: number): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', `${url.href} is larger than the ${max}-byte limit`, {
    url: url.toString(),
    max,
  });
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function rootCause(e: unknown): unknown {
  let cur = e;
  for (let i = 0; i < 5 && cur instanceof Error && cur.cause !== undefined; i++) {
    if (cur instanceof DomainError) return cur;
    cur = cur.cause;
  }
  return cur;
}
