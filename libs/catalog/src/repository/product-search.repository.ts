import { createHash } from 'node:crypto';
import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { CatalogDatabase } from '../database/catalog-data-source';
import { parseAmount } from '../domain/money';
import { pickLocale } from '../domain/locale';
import type { Money, Translations } from '../domain/product';
import { TextSegmenter } from '../text/text-segmenter';

/**
 * Conditions on products, all of which must hold. Lists mean "any of"; absent fields do not filter. The caller
 * validates values (search does, with the messages shoppers see); this class only turns them into parameters.
 */
export interface ProductFilter {
  readonly category?: readonly string[];
  readonly brand?: readonly string[];
  /** ISO 4217 code of the price. */
  readonly currency?: string;
  /** Inclusive bounds on the price amount. */
  readonly price?: { readonly min?: number; readonly max?: number };
  readonly inStock?: boolean;
  /**
   * Equality on scalar attributes, compared as text without case: `"42"` matches 42, `"true"` matches true,
   * `"red"` matches `"Red"`.
   */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  /** Products to leave out. */
  readonly excludeIds?: readonly string[];
}

/** One full-text match. */
export interface LexicalHit {
  readonly id: string;
  /** `ts_rank_cd` with length normalisation, scaled to [0, 1). */
  readonly score: number;
}

/** The first image of a product, as the catalog stores it (`file://` or `https://` URI). */
export interface CardImage {
  readonly position: number;
  readonly uri: string;
}

/** A product as a result list shows it. */
export interface ProductCard {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly brand: string | null;
  readonly category: string | null;
  readonly price: Money | null;
  readonly inStock: boolean;
  readonly image: CardImage | null;
  /** Only when asked for (`cards(ids, { description: true })`): what highlights are cut from. */
  readonly description?: string | null;
  /**
   * Only when a locale was asked for (`cards(ids, { locale })`): the tag of the translation `title` (and
   * `description`) are in, or null when the product has none for that locale and shows the catalog's own text.
   */
  readonly locale?: string | null;
}

/** Options of a lexical search. */
export interface LexicalOptions {
  /**
   * Also match the words of a query without CJK against the localised text (`search_segments`): the request
   * stated a locale. A query with CJK always is.
   */
  readonly localized?: boolean;
}

/** Orders of a result list besides relevance. Price orders group by currency first; products without price last. */
export type ProductSort = 'price_asc' | 'price_desc' | 'newest' | 'popularity';

/** What a facet counts: catalog fields, or an attribute read from one or more `attributes` keys. */
export type FacetField =
  | 'category'
  | 'brand'
  | 'inStock'
  | 'currency'
  | 'price'
  | { readonly attribute: string; readonly keys: readonly string[] };

/** Price facet bucket edges (lower bound inclusive, upper exclusive); the last bucket is open-ended. */
export const PRICE_BUCKET_EDGES: readonly number[] = [0, 5, 10, 25, 50, 100];

/** Counts of one facet's values over a product set. */
export interface FacetCounts {
  /** category, brand, currency: value → count; inStock: 'true'/'false' → count. */
  readonly values: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per currency, price bucket index into {@link PRICE_BUCKET_EDGES} (0-based) → count. */
  readonly price: Readonly<Record<string, Readonly<Record<number, number>>>>;
  /** Per attribute facet: lower-cased value → product ids (to merge with values from other sources). */
  readonly attributes: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** The catalog's distinct values (for case-insensitive filters on the vector side and for facet names). */
export interface CatalogValues {
  readonly categories: readonly string[];
  readonly brands: readonly string[];
  readonly currencies: readonly string[];
  /** Scalar attribute values per key (at most {@link MAX_CATALOG_VALUES} in all). */
  readonly attributes: Readonly<Record<string, readonly (string | number | boolean)[]>>;
}

/** Distinct values read by `values()`; a catalog with more keeps filtering in SQL, only the vector side misses some. */
export const MAX_CATALOG_VALUES = 20_000;

/** A set of products: explicit ids, or every product matching a filter. */
export type ProductSet = { readonly ids: readonly string[] } | { readonly filter: ProductFilter };

/**
 * OR-semantics tsquery: every word of the query may match, products matching more (and rarer, and in the title)
 * rank higher. `plainto_tsquery` does the parsing and stemming, so user input never reaches tsquery syntax.
 */
const TSQUERY = `replace(plainto_tsquery('english'::regconfig, $1)::text, ' & ', ' | ')::tsquery`;
/**
 * Normalisation 1 divides by 1 + log(document length), so a product that is exactly "camera" outranks "camera
 * with flash" for "camera" (lexical-only R@1 on the demo queries: 0.892 → 0.919); 32 then maps the rank to
 * rank/(rank+1), in [0, 1) and comparable across queries.
 */
const RANK = `ts_rank_cd(p.search_tsv, q.q, 1 | 32)`;
/**
 * Both documents: the `english` one and the segmented one (localised and CJK text), whose query arrives as tsquery
 * syntax built by {@link TextSegmenter.tsquery} (quoted lexemes: no parser, no locale decides what a word is). A
 * product ranks by the better of its two matches.
 */
const TSQUERY_SEGMENTS = `$2::tsquery`;
const RANK_BOTH = `greatest(ts_rank_cd(p.search_tsv, q.q, 1 | 32), ts_rank_cd(p.search_segments, q.z, 1 | 32))`;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Statement shapes kept prepared; rarer shapes beyond it (many attribute filters) run unnamed. */
const MAX_NAMED_STATEMENTS = 64;

interface CardRow {
  id: string;
  sku: string;
  title: string;
  brand: string | null;
  category: string | null;
  price_amount: string | null;
  price_currency: string | null;
  in_stock: boolean;
  image_position: number | null;
  image_uri: string | null;
  description?: string | null;
  translations?: Translations;
}

/**
 * The read queries a search runs on every request: full-text candidates through the generated `search_tsv` column
 * (under a {@link ProductFilter}), product cards, and one image's URI — one statement per call.
 *
 * They go to TypeORM's `pg` pool directly as **named (prepared) statements**: each connection parses and plans a
 * statement shape once instead of on every call (`pgbench` on the demo catalog: lexical 0.38 → 0.28 ms, cards 0.39
 * → 0.21 ms). The name is a hash of the SQL text, whose shape depends only on which filters are present (values are
 * parameters), so the number of statements per connection stays small.
 */
export class ProductSearchRepository {
  private readonly dataSource: DataSource;
  private readonly names = new Map<string, string>();
  private readonly segmenter = new TextSegmenter();

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /**
   * Products matching the words of `query` and `filter`, best match first, with their score in [0, 1). Every
   * product that matches at all is returned up to `limit`, so a product missing from a short list scores 0.
   */
  async lexicalSearch(
    query: string,
    filter: ProductFilter,
    limit: number,
    options: LexicalOptions = {},
  ): Promise<LexicalHit[]> {
    const cjk = TextSegmenter.hasCjk(query);
    const segments = cjk || options.localized ? this.segmenter.tsquery(query) : undefined;
    if (segments !== undefined) return this.lexicalSearchBoth(query, segments, filter, limit);
    const params: unknown[] = [query];
    const where = filterSql(filter, params);
    params.push(limit);
    const rows = await this.query<{ id: string; score: number }>(
      `SELECT p.id, ${RANK} AS score FROM products p, (SELECT ${TSQUERY} AS q) q
       WHERE p.search_tsv @@ q.q AND ${where}
       ORDER BY score DESC, p.id
       LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  /** {@link lexicalSearch} over both documents: the query's non-CJK words in English, all of them segmented. */
  private async lexicalSearchBoth(
    query: string,
    segments: string,
    filter: ProductFilter,
    limit: number,
  ): Promise<LexicalHit[]> {
    // The english parser would read a CJK run as one word: only the rest of the query goes to that side.
    const params: unknown[] = [TextSegmenter.withoutCjk(query), segments];
    const where = filterSql(filter, params);
    params.push(limit);
    const rows = await this.query<{ id: string; score: number }>(
      `SELECT p.id, ${RANK_BOTH} AS score
       FROM products p, (SELECT ${TSQUERY} AS q, ${TSQUERY_SEGMENTS} AS z) q
       WHERE (p.search_tsv @@ q.q OR p.search_segments @@ q.z) AND ${where}
       ORDER BY score DESC, p.id
       LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  /**
   * Cards in the order of `ids` (one query); unknown ids are left out. The image is the first usable one; the
   * description only with `description: true`.
   */
  async cards(
    ids: readonly string[],
    options: { readonly description?: boolean; readonly locale?: string } = {},
  ): Promise<ProductCard[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<CardRow>(
      `SELECT p.id, p.sku, p.title, p.brand, p.category, p.price_amount::text AS price_amount, p.price_currency,
              p.in_stock, img.position AS image_position, img.uri AS image_uri${options.description ? ', p.description' : ''}${options.locale !== undefined ? ', p.translations' : ''}
       FROM products p
       LEFT JOIN LATERAL (
         SELECT i.position, i.uri FROM product_images i
         WHERE i.product_id = p.id ORDER BY (i.status = 'failed'), i.position LIMIT 1
       ) img ON TRUE
       WHERE p.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toCard(r, options.description === true, options.locale)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** `ids` in `sort` order (one query); ties keep the order of `ids`; unknown ids are left out. */
  async order(ids: readonly string[], sort: ProductSort): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<{ id: string }>(
      `SELECT p.id FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, ord) JOIN products p ON p.id = r.id
       ORDER BY ${ORDER_BY[sort]}, r.ord`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Browsing without a query: the ids of products matching `filter` in `sort` order from `offset`, and how many
   * match in all (one query, plus a count when the page is past the end).
   */
  async browse(
    filter: ProductFilter,
    sort: ProductSort,
    offset: number,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const params: unknown[] = [];
    const where = filterSql(filter, params);
    params.push(limit, offset);
    const rows = await this.query<{ id: string; total: string }>(
      `SELECT p.id, count(*) OVER () AS total FROM products p WHERE ${where}
       ORDER BY ${ORDER_BY[sort]}, p.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    if (rows.length > 0) return { ids: rows.map((r) => r.id), total: Number(rows[0]!.total) };
    const countParams: unknown[] = [];
    const countWhere = filterSql(filter, countParams);
    const [count] = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM products p WHERE ${countWhere}`,
      countParams,
    );
    return { ids: [], total: Number(count?.n ?? 0) };
  }

  /**
   * Facet counts over a product set, in one aggregate: category, brand, stock, currency and price buckets per
   * currency as counts; attributes (values compared without case) as the product ids holding each value, so a
   * caller can merge them with values known elsewhere without counting a product twice.
   */
  async facets(set: ProductSet, fields: readonly FacetField[]): Promise<FacetCounts> {
    const values: Record<string, Record<string, number>> = {};
    const price: Record<string, Record<number, number>> = {};
    const attributes: Record<string, Record<string, string[]>> = {};
    if (fields.length === 0) return { values, price, attributes };
    const params: unknown[] = [];
    const where =
      'ids' in set ? `p.id = ANY($${params.push([...set.ids])}::uuid[])` : filterSql(set.filter, params);
    const parts: string[] = [];
    const named: string[] = [];
    const keys: string[] = [];
    for (const f of fields) {
      if (typeof f === 'object') {
        for (const key of f.keys) {
          named.push(f.attribute);
          keys.push(key);
        }
        continue;
      }
      switch (f) {
        case 'category':
        case 'brand':
          parts.push(`SELECT '${f}' AS facet, s.${f} AS value, count(*)::int AS n, NULL::uuid[] AS ids
                      FROM s WHERE s.${f} IS NOT NULL GROUP BY s.${f}`);
          break;
        case 'inStock':
          parts.push(
            `SELECT 'inStock', s.in_stock::text, count(*)::int, NULL::uuid[] FROM s GROUP BY s.in_stock`,
          );
          break;
        case 'currency':
          parts.push(`SELECT 'currency', s.price_currency, count(*)::int, NULL::uuid[] FROM s
                      WHERE s.price_currency IS NOT NULL GROUP BY s.price_currency`);
          break;
        case 'price':
          parts.push(`SELECT 'price', s.price_currency || ':' || width_bucket(s.price_amount,
                        $${params.push([...PRICE_BUCKET_EDGES])}::numeric[]), count(*)::int, NULL::uuid[] FROM s
                      WHERE s.price_amount IS NOT NULL AND s.price_currency IS NOT NULL GROUP BY 2`);
          break;
      }
    }
    if (named.length > 0)
      parts.push(`SELECT 'attr:' || k.name, lower(s.attributes ->> k.key), count(DISTINCT s.id)::int,
                         array_agg(DISTINCT s.id)
                  FROM s, unnest($${params.push(named)}::text[], $${params.push(keys)}::text[]) AS k(name, key)
                  WHERE jsonb_typeof(s.attributes -> k.key) IN ('string', 'number', 'boolean')
                  GROUP BY k.name, lower(s.attributes ->> k.key)`);
    const rows = await this.query<{ facet: string; value: string; n: number; ids: string[] | null }>(
      `WITH s AS (SELECT p.id, p.category, p.brand, p.in_stock, p.price_amount, p.price_currency, p.attributes
                  FROM products p WHERE ${where})
       ${parts.join('\n       UNION ALL ')}`,
      params,
    );
    for (const r of rows) {
      if (r.facet === 'price') {
        const at = r.value.lastIndexOf(':');
        const currency = r.value.slice(0, at);
        (price[currency] ??= {})[Number(r.value.slice(at + 1)) - 1] = r.n;
      } else if (r.facet.startsWith('attr:')) {
        (attributes[r.facet.slice(5)] ??= {})[r.value] = r.ids ?? [];
      } else (values[r.facet] ??= {})[r.value] = r.n;
    }
    return { values, price, attributes };
  }

  /** The catalog's distinct categories, brands, currencies and scalar attribute values (one query). */
  async values(): Promise<CatalogValues> {
    const rows = await this.query<{ kind: string; key: string | null; value: string | number | boolean }>(
      `(SELECT 'category' AS kind, NULL AS key, to_jsonb(category) AS value FROM products
          WHERE category IS NOT NULL GROUP BY category
        UNION ALL SELECT 'brand', NULL, to_jsonb(brand) FROM products WHERE brand IS NOT NULL GROUP BY brand
        UNION ALL SELECT 'currency', NULL, to_jsonb(price_currency) FROM products
          WHERE price_currency IS NOT NULL GROUP BY price_currency
        UNION ALL SELECT 'attribute', e.key, e.value FROM products p, jsonb_each(p.attributes) e
          WHERE jsonb_typeof(e.value) IN ('string', 'number', 'boolean') GROUP BY e.key, e.value)
       LIMIT ${MAX_CATALOG_VALUES}`,
      [],
    );
    const out = { categories: [] as string[], brands: [] as string[], currencies: [] as string[] };
    const attributes: Record<string, (string | number | boolean)[]> = {};
    for (const r of rows) {
      if (r.kind === 'category') out.categories.push(String(r.value));
      else if (r.kind === 'brand') out.brands.push(String(r.value));
      else if (r.kind === 'currency') out.currencies.push(String(r.value));
      else if (r.key !== null) (attributes[r.key] ??= []).push(r.value);
    }
    return { ...out, currencies: out.currencies.sort(), attributes };
  }

  /** The URI of a product's image at `position`, or undefined. */
  async imageUri(productId: string, position: number): Promise<string | undefined> {
    const rows = await this.query<{ uri: string }>(
      `SELECT uri FROM product_images WHERE product_id = $1::uuid AND position = $2`,
      [productId, position],
    );
    return rows[0]?.uri;
  }

  /**
   * Readiness: the two statements every search runs (full-text candidates, cards) on the real tables, prepared on
   * this pool exactly as a search's are, so it fails whenever searches would.
   */
  async probe(): Promise<void> {
    await this.lexicalSearch('readiness', {}, 1);
    await this.cards([NIL_UUID]);
  }

  private async query<T extends QueryResultRow>(text: string, params: readonly unknown[]): Promise<T[]> {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED_STATEMENTS) {
      name = `vitrine_search_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
      this.names.set(text, name);
    }
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const result = await pool.query<T>({ ...(name ? { name } : {}), text, values: params as unknown[] });
    return result.rows;
  }
}

/**
 * `filter` as a parameterised condition over `products p`; its values are appended to `params`, so placeholders
 * continue after the ones already there. Exported for its unit test; not part of the library's API.
 */
export function filterSql(filter: ProductFilter, params: unknown[]): string {
  const where: string[] = [];
  const add = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // Shoppers type "garden & plants" for "Garden & Plants": names compare without case.
  const lower = (xs: readonly string[]): string[] => xs.map((x) => x.toLowerCase());
  if (filter.category !== undefined)
    where.push(`lower(p.category) = ANY(${add(lower(filter.category))}::text[])`);
  if (filter.brand !== undefined) where.push(`lower(p.brand) = ANY(${add(lower(filter.brand))}::text[])`);
  if (filter.currency !== undefined) where.push(`p.price_currency = ${add(filter.currency)}`);
  if (filter.price?.min !== undefined) where.push(`p.price_amount >= ${add(filter.price.min)}::numeric`);
  if (filter.price?.max !== undefined) where.push(`p.price_amount <= ${add(filter.price.max)}::numeric`);
  if (filter.inStock !== undefined) where.push(`p.in_stock = ${add(filter.inStock)}`);
  for (const [key, value] of Object.entries(filter.attributes ?? {})) {
    // As text without case: a query parameter "42" names the attribute 42, "true" names true, "red" names "Red".
    where.push(`lower(p.attributes ->> ${add(key)}::text) = ${add(String(value).toLowerCase())}`);
  }
  if (filter.excludeIds !== undefined && filter.excludeIds.length > 0)
    where.push(`NOT (p.id = ANY(${add([...filter.excludeIds])}::uuid[]))`);
  return where.length > 0 ? where.join(' AND ') : 'TRUE';
}

/** ORDER BY of each sort over `products p`; callers append their tie-breaker. */
const ORDER_BY: Readonly<Record<ProductSort, string>> = {
  // Amounts compare only within a currency: price orders group by currency, products without a price last.
  price_asc: `(p.price_amount IS NULL), p.price_currency, p.price_amount ASC`,
  price_desc: `(p.price_amount IS NULL), p.price_currency, p.price_amount DESC`,
  newest: `p.created_at DESC`,
  // As the reranker reads it: a non-negative number, anything else counts as unknown (last).
  popularity: `(CASE WHEN jsonb_typeof(p.attributes -> 'popularity') = 'number'
                      AND (p.attributes ->> 'popularity')::numeric >= 0
                     THEN (p.attributes ->> 'popularity')::numeric END) DESC NULLS LAST`,
};

function toCard(r: CardRow, withDescription = false, locale?: string): ProductCard {
  const amount = r.price_amount === null ? null : parseAmount(r.price_amount);
  const translations = r.translations ?? {};
  const shown = locale === undefined ? undefined : pickLocale(locale, Object.keys(translations));
  const text = shown === undefined ? undefined : translations[shown];
  return {
    id: r.id,
    sku: r.sku,
    title: text?.title ?? r.title,
    brand: r.brand,
    category: r.category,
    price:
      amount?.ok && r.price_currency !== null ? { amount: amount.amount, currency: r.price_currency } : null,
    inStock: r.in_stock,
    image:
      r.image_uri !== null && r.image_position !== null
        ? { position: r.image_position, uri: r.image_uri }
        : null,
    // A translation without a description shows none rather than the catalog's text in another language.
    ...(withDescription ? { description: text ? text.description : (r.description ?? null) } : {}),
    ...(locale !== undefined ? { locale: shown ?? null } : {}),
  };
}
