import {
  Inject,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, DomainError, type AppConfig } from '@vitrine/core';
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

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (res.headersSent) {
      // An SSE stream or a file already started: nothing to rewrite, just end it.
      res.end();
      return;
    }
    // A guard that knows the real wait (the rate limits) has set Retry-After already.
    if ((status === 503 || status === 429) && !res.hasHeader('Retry-After'))
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
    res.status(status).json(body);
  }

  describe(exception: unknown): { status: number; body: ApiErrorBody } {
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
    this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: errorBody('INTERNAL', 'internal error; the request id in X-Request-Id identifies it in the logs'),
    };
  }
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
