import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * The request's id: the caller's X-Request-Id when it is sane, otherwise a new UUID; set once, echoed in the
 * response header, and reused by the request logger. Runs as the first middleware so that even requests refused
 * before routing (malformed JSON) carry one.
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const carrier = req as IncomingMessage & { id?: string };
  if (carrier.id) return carrier.id;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  carrier.id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}
