import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * The request's id: the caller's X-Request-Id when it is sane, otherwise a new UUID; set once, echoed in the
 * response header (when `res` is given), and reused by Fastify and the request logger. Fastify asks first (its
 * `genReqId`, before routing); the first request hook sets the header, so that even requests refused before routing
 * (malformed JSON) carry one.
 */
export function requestIdOf(req: IncomingMessage, res?: ServerResponse): string {
  const carrier = req as IncomingMessage & { id?: string };
  let id = carrier.id;
  if (!id) {
    const given = req.headers['x-request-id'];
    id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    carrier.id = id;
  }
  if (res && !res.headersSent && !res.hasHeader('X-Request-Id')) res.setHeader('X-Request-Id', id);
  return id;
}
