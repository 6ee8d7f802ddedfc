import { DomainError } from '@vitrine/core';

/**
 * A job failure that retrying cannot fix, already recorded where users see it (a product's index state): the queue
 * ends the job as failed at once, with this message as its reason (BullMQ's `UnrecoverableError`; the in-process
 * runner does the same). Handlers throw it instead of returning a "failed" result, so no failure reads as success.
 */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Whether a failed job should be retried. Unrecoverable job errors and permanent domain errors are not (a corrupt
 * image never gets better, a 503 might); anything else — a dropped Redis or database connection, a bug — is retried
 * with backoff and ends failed with its message when attempts run out.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof UnrecoverableJobError) return false;
  return !(error instanceof DomainError) || error.transient;
}

export function describeError(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
