import { DomainError } from './domain-error';

/**
 * SQLSTATEs of a database that is going away or not there yet: class 08 (connection exception), 57P01
 * admin_shutdown (a fast restart ends every session), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
 * shutting down), 53300 too_many_connections and 57014 query_canceled (over `statement_timeout`,
 * DATABASE_QUERY_TIMEOUT_MS).
 */
const PG_OUTAGE = /^(08...|57P0[123]|53300|57014)$/;
/** errno codes of a peer that refused, dropped or never answered a connection. */
const SOCKET_OUTAGE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
]);
/**
 * node-postgres and pg-pool report a lost or never-made connection, and a query over `query_timeout`, without a
 * code.
 */
const PG_CLIENT_WORDING =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/**
 * The outage of a service Vitrine depends on (PostgreSQL restarting, a dropped connection) behind an error, as an
 * `UNAVAILABLE` domain error, or undefined when the error is something else. Looks through `cause` chains and
 * TypeORM's `driverError`. A client sees 503 with Retry-After instead of a 500: the request did nothing, the pool
 * reconnects by itself, and retrying is the right move.
 */
export function dependencyOutageOf(error: unknown): DomainError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, syscall } = current as { code?: unknown; message?: unknown; syscall?: unknown };
    // ENOENT from connect: no Unix socket to connect to, as while embedded PGlite restarts after a crash.
    const noSocket = code === 'ENOENT' && syscall === 'connect';
    if (typeof code === 'string' && (PG_OUTAGE.test(code) || SOCKET_OUTAGE.has(code) || noSocket)) {
      return unavailable(code, error);
    }
    if (typeof message === 'string' && PG_CLIENT_WORDING.test(message))
      return unavailable('connection', error);
    const next = current as { cause?: unknown; driverError?: unknown };
    current = next.driverError ?? next.cause;
  }
  return undefined;
}

function unavailable(reason: string, cause: unknown): DomainError {
  return new DomainError(
    'UNAVAILABLE',
    'a service this request needs is unavailable for a moment (restarting or unreachable); nothing was ' +
      'changed, retry shortly',
    { reason },
    { cause },
  );
}
