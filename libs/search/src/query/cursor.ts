import { createHash } from 'node:crypto';
import { ValidationError } from '@vitrine/core';

/** What a cursor may carry besides its position, so that a search continues without its input (image search). */
export interface CursorCarry {
  /** The query embedding, {@link encodeVector}'s form. */
  readonly v?: string;
  /** Query words. */
  readonly q?: string;
  /** The options that shape the result list (filters, sort, rerank, facets), checked again when used. */
  readonly s?: Readonly<Record<string, unknown>>;
  /** The `queryId` of the search's first page: every page of one search answers with it, so an event names it. */
  readonly id?: string;
}

const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Options a cursor carries when they fit: beyond this (JSON characters) the caller sends them again. */
export const MAX_CARRIED_OPTIONS_CHARS = 1500;

/**
 * Opaque page cursors: the offset into the ranked results plus a fingerprint of the search they belong to, so a
 * cursor replayed against another query is refused instead of silently returning an unrelated page.
 */
export function encodeCursor(offset: number, fingerprint: string, carry: CursorCarry = {}): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint, ...carry })).toString('base64url');
}

const invalid = (): ValidationError =>
  new ValidationError('cursor is not a cursor this API returned', { field: 'cursor' });

function parse(cursor: string): {
  o: number;
  f: string;
  v?: unknown;
  q?: unknown;
  s?: unknown;
  id?: unknown;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { o, f, v, q, s, id } = (parsed ?? {}) as {
    o?: unknown;
    f?: unknown;
    v?: unknown;
    q?: unknown;
    s?: unknown;
    id?: unknown;
  };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || typeof f !== 'string') throw invalid();
  return { o, f, v, q, s, id };
}

export function decodeCursor(cursor: string | undefined, fingerprint: string): number {
  if (cursor === undefined || cursor === '') return 0;
  const { o, f } = parse(cursor);
  if (f !== fingerprint)
    throw new ValidationError('cursor belongs to another search (query or filters changed)', {
      field: 'cursor',
    });
  return o;
}

/** What a cursor carries (checked for shape only: the fingerprint check happens in {@link decodeCursor}). */
export function cursorCarry(cursor: string): CursorCarry {
  const { v, q, s, id } = parse(cursor);
  if ((v !== undefined && typeof v !== 'string') || (q !== undefined && typeof q !== 'string'))
    throw invalid();
  if (id !== undefined && (typeof id !== 'string' || !QUERY_ID.test(id))) throw invalid();
  if (s !== undefined && (typeof s !== 'object' || s === null || Array.isArray(s))) throw invalid();
  return {
    ...(v !== undefined ? { v } : {}),
    ...(q !== undefined ? { q } : {}),
    ...(s !== undefined ? { s: s as Record<string, unknown> } : {}),
    ...(id !== undefined ? { id } : {}),
  };
}

/** A short stable hash of what defines a search's result list. */
export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/**
 * A vector in 8 bits per dimension (a float32 scale, then int8 codes, base64url): 256 dimensions in 348
 * characters. Searches run on the decoded vector from the first page on, so every page comes from one ranking.
 */
export function encodeVector(vector: Float32Array): string {
  let max = 0;
  for (const x of vector) max = Math.max(max, Math.abs(x));
  const scale = max === 0 ? 1 : max / 127;
  const buf = Buffer.alloc(4 + vector.length);
  buf.writeFloatLE(scale, 0);
  for (let i = 0; i < vector.length; i++) buf.writeInt8(Math.round(vector[i]! / scale), 4 + i);
  return buf.toString('base64url');
}

export function decodeVector(code: string): Float32Array {
  const buf = Buffer.from(code, 'base64url');
  if (buf.length < 5) throw invalid();
  const scale = buf.readFloatLE(0);
  if (!Number.isFinite(scale) || scale <= 0) throw invalid();
  const out = new Float32Array(buf.length - 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt8(4 + i) * scale;
  return out;
}
