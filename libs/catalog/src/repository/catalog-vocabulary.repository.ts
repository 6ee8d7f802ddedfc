import type { DataSource } from 'typeorm';
import type { CatalogDatabase } from '../database/catalog-data-source';
import { sql } from './sql';

/** The words a catalog is made of, one row per product: what spelling correction and suggestions learn from. */
export interface VocabularyRow {
  readonly title: string;
  readonly description: string | null;
  readonly brand: string | null;
  readonly category: string | null;
  /** `attributes.popularity` when it is a number (the reranker's popularity), else 0. */
  readonly popularity: number;
}

/**
 * Reads the catalog's titles, brands and categories for query understanding (libs/search), and a cheap marker that
 * changes whenever a product is created, updated or deleted, so that readers refresh only then.
 */
export class CatalogVocabularyRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /**
   * `count:max(updated_at)`: a create or update moves the maximum, a delete the count (one index-only scan's worth
   * of work on `products`; called at most every few seconds).
   */
  async changeMarker(): Promise<string> {
    // max(updated_at) as text: microseconds (a Date would round two writes of one millisecond together).
    const { rows } = await sql<{ n: string; latest: string | null }>(
      this.dataSource,
      `SELECT count(*)::text AS n, max(updated_at)::text AS latest FROM products`,
    );
    const row = rows[0];
    return `${row?.n ?? '0'}:${row?.latest ?? '-'}`;
  }

  /** Every product's title, description, brand, category and popularity. */
  async rows(): Promise<VocabularyRow[]> {
    const { rows } = await sql<{
      title: string;
      description: string | null;
      brand: string | null;
      category: string | null;
      popularity: number | null;
    }>(
      this.dataSource,
      `SELECT title, description, brand, category,
              CASE WHEN jsonb_typeof(attributes->'popularity') = 'number'
                   THEN (attributes->>'popularity')::double precision END AS popularity
         FROM products`,
    );
    return rows.map((r) => ({
      title: r.title,
      description: r.description,
      brand: r.brand,
      category: r.category,
      popularity: Number.isFinite(r.popularity) ? Number(r.popularity) : 0,
    }));
  }
}
