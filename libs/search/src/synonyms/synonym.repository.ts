import type { DataSource } from 'typeorm';
import { isUuid, sql, type CatalogDatabase } from '@vitrine/catalog';

/** A set of equivalent search terms. */
export interface SynonymSet {
  readonly id: string;
  readonly terms: readonly string[];
}

interface Row {
  id: string;
  terms: string[];
}

/** The `search_synonyms` table (owned by libs/search, in the catalog's database). */
export class SynonymRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /** Every set, oldest first. */
  async list(): Promise<SynonymSet[]> {
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT id, terms FROM search_synonyms ORDER BY created_at, id`,
    );
    return rows.map(toSet);
  }

  async create(terms: readonly string[]): Promise<SynonymSet> {
    const { rows } = await sql<Row>(
      this.dataSource,
      `INSERT INTO search_synonyms (terms) VALUES ($1::jsonb) RETURNING id, terms`,
      [JSON.stringify(terms)],
    );
    return toSet(rows[0]!);
  }

  /** The updated set, or undefined when there is none with this id. */
  async update(id: string, terms: readonly string[]): Promise<SynonymSet | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await sql<Row>(
      this.dataSource,
      `UPDATE search_synonyms SET terms = $2::jsonb, updated_at = now() WHERE id = $1 RETURNING id, terms`,
      [id, JSON.stringify(terms)],
    );
    return rows[0] ? toSet(rows[0]) : undefined;
  }

  /** True when a set was deleted. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const { count } = await sql(this.dataSource, `DELETE FROM search_synonyms WHERE id = $1`, [id]);
    return count > 0;
  }

  /** Changes on every create, update and delete (another replica's too): `count:max(updated_at)`. */
  async changeMarker(): Promise<string> {
    // max(updated_at) as text: microseconds (a Date would round two writes of one millisecond together).
    const { rows } = await sql<{ n: string; latest: string | null }>(
      this.dataSource,
      `SELECT count(*)::text AS n, max(updated_at)::text AS latest FROM search_synonyms`,
    );
    const row = rows[0];
    return `${row?.n ?? '0'}:${row?.latest ?? '-'}`;
  }
}

function toSet(row: Row): SynonymSet {
  return { id: row.id, terms: row.terms };
}
