import { DomainError } from '@vitrine/core';

/**
 * Whether a failed job should be retried. Domain errors say so themselves (a corrupt image never gets better,
 * a 503 might); anything else — a dropped Redis or database connection, a bug — is retried with backoff and
 * ends failed with its message when attempts run out.
 */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof DomainError) || error.transient;
}

export function describeError(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
