import { DomainError } from './domain-error';

/** errno codes of a file system with no room left: the disk, or the user's quota. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
/** errno codes of a file system that refuses writes: mounted read-only, or permissions changed under us. */
const NOT_WRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);
/** PostgreSQL (and PGlite) SQLSTATEs: 53100 disk_full; 58030 io_error (a read-only or failing disk). */
const PG_DISK_FULL = '53100';
const PG_IO_ERROR = '58030';
/**
 * PostgreSQL reports EROFS, EACCES and EPERM on its own files as 42501 insufficient_privilege, the code of a
 * missing GRANT too: only the file-access wording ("could not write to file ...: Read-only file system") counts.
 */
const PG_FILE_ACCESS_DENIED = '42501';
const PG_FILE_ACCESS_WORDING = /: (Read-only file system|Permission denied|Operation not permitted)$/;

/**
 * The storage fault behind an error, as a domain error, or undefined when the error is something else. Looks
 * through `cause` chains (adapters wrap what the file system or the database said):
 *
 * - ENOSPC/EDQUOT from the file system, SQLSTATE 53100 from PostgreSQL → `INSUFFICIENT_STORAGE` (HTTP 507);
 * - EROFS/EACCES/EPERM from a file-system call (never a socket's EACCES), SQLSTATE 58030, and SQLSTATE 42501
 *   when it is about a file → `STORAGE_UNAVAILABLE` (HTTP 503).
 *
 * The message says what an operator must do and reveals no path; `details.reason` carries the code.
 */
export function storageFaultOf(error: unknown): DomainError | undefined {
  let current: unknown = error;
  // Duck-typed, not `instanceof Error`: errors from another realm (a worker, a VM context) are errors too.
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, syscall, path } = current as { code?: unknown; syscall?: unknown; path?: unknown };
    if (typeof code === 'string') {
      if (NO_SPACE.has(code) || code === PG_DISK_FULL) return insufficientStorage(code, error);
      const fileSystemCall =
        typeof path === 'string' || (typeof syscall === 'string' && !SOCKET_CALLS.has(syscall));
      const { message } = current as { message?: unknown };
      const pgFileDenied =
        code === PG_FILE_ACCESS_DENIED && typeof message === 'string' && PG_FILE_ACCESS_WORDING.test(message);
      if ((NOT_WRITABLE.has(code) && fileSystemCall) || code === PG_IO_ERROR || pgFileDenied) {
        return storageUnavailable(code, error);
      }
    }
    if (current instanceof DomainError && isStorageCode(current.code)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isStorageCode(code: string): code is 'INSUFFICIENT_STORAGE' | 'STORAGE_UNAVAILABLE' {
  return code === 'INSUFFICIENT_STORAGE' || code === 'STORAGE_UNAVAILABLE';
}

const SOCKET_CALLS = new Set([
  'connect',
  'bind',
  'listen',
  'accept',
  'send',
  'sendto',
  'recv',
  'getaddrinfo',
]);

function insufficientStorage(reason: string, cause: unknown): DomainError {
  return new DomainError(
    'INSUFFICIENT_STORAGE',
    'not enough storage to save this change: the server is out of disk space (or quota). Nothing was lost; ' +
      'retry once an operator has freed space',
    { reason, transient: true },
    { cause },
  );
}

function storageUnavailable(reason: string, cause: unknown): DomainError {
  return new DomainError(
    'STORAGE_UNAVAILABLE',
    "the server's data directory cannot be written (read-only or not permitted); retry later",
    { reason, transient: true },
    { cause },
  );
}
