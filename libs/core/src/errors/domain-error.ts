/**
 * Every error a user can cause or that the domain knows about. `code` is stable and machine-readable;
 * the API maps codes to HTTP statuses in one place (apps/api), the CLI prints `message`.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'IMAGE_INVALID'
  | 'IMAGE_TOO_LARGE'
  | 'FETCH_FORBIDDEN'
  | 'FETCH_FAILED'
  | 'MODEL_INVALID'
  | 'MODEL_MISMATCH'
  | 'OVERLOADED'
  /** A batch operation failed for more items than its limit allows (a full reindex over REINDEX_MAX_FAILED_RATIO). */
  | 'TOO_MANY_FAILURES'
  | 'UNAVAILABLE'
  /** The disk (or quota) is full: ENOSPC, EDQUOT, PostgreSQL 53100. See storageFaultOf. */
  | 'INSUFFICIENT_STORAGE'
  /** The data directory cannot be written: EROFS, EACCES, EPERM, PostgreSQL 58030. */
  | 'STORAGE_UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * Whether retrying the same operation can succeed (network blips, a busy service, an index that serves another
   * model while the reindex to ours runs).
   */
  get transient(): boolean {
    if (typeof this.details?.transient === 'boolean') return this.details.transient;
    return this.code === 'UNAVAILABLE' || this.code === 'OVERLOADED' || this.code === 'MODEL_MISMATCH';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Readonly<Record<string, unknown>>) {
    super('VALIDATION_FAILED', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} does not exist`, { what, id });
  }
}
