import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from './qdrant-client';
import { DomainError } from '@vitrine/core';

/** The shape of the client's HTTP errors (ApiError of @qdrant/openapi-typescript-fetch, not exported). */
interface HttpError {
  status: number;
  data?: { status?: { error?: string } } | string;
}

function isHttpError(e: unknown): e is HttpError {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

function networkCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Maps what the Qdrant client throws to a `DomainError`, so callers handle both adapters alike: 404 →
 * NOT_FOUND, 400/422 → VALIDATION_FAILED, 409 → CONFLICT, 429 → OVERLOADED, 5xx, timeouts and connection
 * failures → UNAVAILABLE (retryable). Anything else is rethrown unchanged.
 */
export function toDomainError(e: unknown, action: string): unknown {
  if (e instanceof DomainError) return e;
  if (isHttpError(e)) {
    const detail = typeof e.data === 'string' ? e.data : (e.data?.status?.error ?? '');
    const message = `Qdrant ${action} failed (${e.status})${detail ? `: ${detail}` : ''}`;
    const details = { status: e.status, action };
    if (e.status === 404) return new DomainError('NOT_FOUND', message, details, { cause: e });
    if (e.status === 400 || e.status === 422)
      return new DomainError('VALIDATION_FAILED', message, details, { cause: e });
    if (e.status === 409) return new DomainError('CONFLICT', message, details, { cause: e });
    if (e.status === 429) return new DomainError('OVERLOADED', message, details, { cause: e });
    if (e.status >= 500) return new DomainError('UNAVAILABLE', message, details, { cause: e });
    return e;
  }
  if (e instanceof QdrantClientResourceExhaustedError) {
    return new DomainError(
      'OVERLOADED',
      `Qdrant ${action} was rate limited`,
      { retryAfter: e.retry_after },
      { cause: e },
    );
  }
  if (e instanceof QdrantClientTimeoutError) {
    return new DomainError('UNAVAILABLE', `Qdrant ${action} timed out`, { action }, { cause: e });
  }
  const code = networkCode(e);
  if (code)
    return new DomainError(
      'UNAVAILABLE',
      `Qdrant is unreachable (${code}) during ${action}`,
      { action, code },
      { cause: e },
    );
  return e;
}
