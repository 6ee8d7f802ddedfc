const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else cannot name a row, and PostgreSQL would fail the whole statement on it. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** Smallest uuid: keyset pagination starts after it. */
export const BEFORE_FIRST_ID = '00000000-0000-0000-0000-000000000000';
