import { createHash } from 'node:crypto';
import { ValidationError } from '@vitrine/core';

/**
 * Opaque page cursors: the offset into the ranked results plus a fingerprint of the search they belong to, so a
 * cursor replayed against another query is refused instead of silently returning an unrelated page.
 */
export function encodeCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, fingerprint: string): number {
  if (cursor === undefined || cursor === '') return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('cursor is not a cursor this API returned', { field: 'cursor' });
  }
  const { o, f } = (parsed ?? {}) as { o?: unknown; f?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || typeof f !== 'string')
    throw new ValidationError('cursor is not a cursor this API returned', { field: 'cursor' });
  if (f !== fingerprint)
    throw new ValidationError('cursor belongs to another search (query or filters changed)', {
      field: 'cursor',
    });
  return o;
}

/** A short stable hash of what defines a search's result list. */
export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}
