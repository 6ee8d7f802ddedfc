import {
  Inject,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  APP_CONFIG,
  DomainError,
  dependencyOutageOf,
  isStorageCode,
  storageFaultOf,
  type AppConfig,
} from '@vitrine/core';
import { StorageHealth } from '../health/storage-health';
import { errorBody, type ApiErrorBody, type ApiErrorCode } from './api-error';
import { statusOf } from './error-status';

/** Retry-After for transient refusals (seconds). */
const RETRY_AFTER_S = 1;

/**
 * Turns anything thrown while handling a request into `{ error: { code, message, details } }`: domain errors
 * by their code ({@link statusOf}), Nest's HTTP exceptions (unknown route, rate limit, multer's upload limits,
 * readiness) by status, and everything else into a 500 whose message reveals nothing internal (it is logged).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: StorageHealth,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.describe(exception);
    if (reply.sent || reply.raw.headersSent) {
      // An SSE stream or a file already started: nothing to rewrite, just end it.
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    // A guard that knows the real wait (the rate limits) has set Retry-After already.
    if ((status === 503 || status === 429) && !reply.hasHeader('Retry-After'))
      void reply.header('Retry-After', String(RETRY_AFTER_S));
    void reply.code(status).send(body);
  }

  describe(exception: unknown): { status: number; body: ApiErrorBody } {
    // A full or read-only disk under any adapter: 507/503 with its own code, and /readyz goes down with it.
    const storage =
      !(exception instanceof DomainError) || exception.code === 'UNAVAILABLE' || isStorageCode(exception.code)
        ? storageFaultOf(exception)
        : undefined;
    if (storage) {
      this.storage.recordFault(storage);
      this.log.error(`${storage.code}: ${describeCause(exception)}`);
      return {
        status: statusOf(storage.code),
        body: errorBody(storage.code, storage.message, { reason: storage.details?.reason }),
      };
    }
    if (exception instanceof DomainError) {
      const details = { ...(exception.details ?? {}) };
      delete details.transient;
      return {
        status: statusOf(exception.code),
        body: errorBody(exception.code, exception.message, details),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : exception.message;
      const details =
        typeof response === 'object' && response !== null && 'details' in response
          ? ((response as { details: Record<string, unknown> }).details ?? {})
          : typeof response === 'object' && response !== null && 'info' in response
            ? (response as Record<string, unknown>)
            : {};
      if (status === 413) {
        // Multer's own wording ("File too large") does not say what the limit is.
        const max = this.config.images.maxBytes;
        return {
          status,
          body: errorBody('PAYLOAD_TOO_LARGE', `upload larger than the ${max}-byte limit (IMAGE_MAX_BYTES)`, {
            max,
          }),
        };
      }
      return { status, body: errorBody(codeOfStatus(status), message, details) };
    }
    // PostgreSQL restarting or a dropped connection: the request did nothing and the pool reconnects by itself.
    const outage = dependencyOutageOf(exception);
    if (outage) {
      this.log.warn(`${outage.code} (${String(outage.details?.reason)}): ${describeCause(exception)}`);
      return { status: statusOf(outage.code), body: errorBody(outage.code, outage.message, outage.details) };
    }
    this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: errorBody('INTERNAL', 'internal error; the request id in X-Request-Id identifies it in the logs'),
    };
  }
}

/** The innermost message of a cause chain (what the file system or the database said, path included: logs only). */
function describeCause(exception: unknown): string {
  let current: unknown = exception;
  for (let i = 0; i < 8; i++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (typeof cause !== 'object' || cause === null) break;
    current = cause;
  }
  const message = (current as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(current);
}

export function codeOfStatus(status: number): ApiErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
    case 403:
      return 'UNAUTHORIZED';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
  }
}
