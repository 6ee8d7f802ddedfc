import type { CatalogDatabase } from '@vitrine/catalog';
import { query } from './sql';

/** The catalog's distinct category names (the category vocabulary of zero-shot extraction). */
export async function distinctCategories(db: CatalogDatabase, limit = 500): Promise<string[]> {
  const { rows } = await query<{ category: string }>(
    db.dataSource,
    `SELECT DISTINCT category FROM products WHERE category IS NOT NULL AND btrim(category) <> ''
     ORDER BY category LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.category);
}

/** The catalog's distinct brands and materials: what a generated text must not attribute to the wrong product. */
export async function distinctBrandsAndMaterials(
  db: CatalogDatabase,
  limit = 2000,
): Promise<{ brands: string[]; materials: string[] }> {
  const [brands, materials] = await Promise.all([
    query<{ v: string }>(
      db.dataSource,
      `SELECT DISTINCT brand AS v FROM products WHERE brand IS NOT NULL AND btrim(brand) <> '' ORDER BY 1 LIMIT $1`,
      [limit],
    ),
    query<{ v: string }>(
      db.dataSource,
      `SELECT DISTINCT attributes ->> 'material' AS v FROM products
       WHERE jsonb_typeof(attributes -> 'material') = 'string' ORDER BY 1 LIMIT $1`,
      [limit],
    ),
  ]);
  return { brands: brands.rows.map((r) => r.v), materials: materials.rows.map((r) => r.v) };
}
