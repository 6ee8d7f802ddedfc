import { ValidationError } from '@vitrine/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks that `id` is a UUID and returns its canonical lower-case form (the form Qdrant returns), so ids
 * compare equal across adapters.
 */
export function normalizeId(id: unknown): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new ValidationError('Point id must be a UUID', { id });
  return id.toLowerCase();
}
