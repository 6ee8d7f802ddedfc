import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import type { ProductInput } from '@vitrine/catalog';

const BRANDS = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne'];
const CATEGORIES = ['Kitchen', 'Office', 'Garden', 'Sport', 'Toys', 'Music', 'Tools', 'Clothing'];
const NOUNS = [
  'mug',
  'lamp',
  'chair',
  'kettle',
  'racket',
  'drill',
  'scarf',
  'guitar',
  'notebook',
  'watering can',
];
const COLOURS = ['red', 'blue', 'green', 'black', 'white', 'yellow', 'orange', 'purple'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];

/** One line of a catalog JSONL file, as a user writes it. */
export interface CatalogJsonLine {
  sku: string;
  title: string;
  description?: string;
  brand?: string;
  category?: string;
  price?: { amount: number | string; currency: string };
  inStock?: boolean;
  attributes?: Record<string, unknown>;
  images: string[];
}

export interface SyntheticOptions {
  /** First index (default 0): products are numbered, so two ranges never collide. */
  readonly start?: number;
  readonly skuPrefix?: string;
  /** Image references per product (default 2), as https URLs unless `imageRef` says otherwise. */
  readonly imagesPerProduct?: number;
  readonly imageRef?: (productIndex: number, imageIndex: number) => string;
}

/**
 * Deterministic synthetic products, lazily (10 million cost nothing until iterated): the same index always gives
 * the same line, so tests and the benchmark can regenerate what they wrote.
 */
export function* syntheticCatalogLines(
  count: number,
  options: SyntheticOptions = {},
): Generator<CatalogJsonLine> {
  const start = options.start ?? 0;
  const prefix = options.skuPrefix ?? 'SKU';
  const perProduct = options.imagesPerProduct ?? 2;
  const imageRef =
    options.imageRef ?? ((i: number, j: number) => `https://images.example.com/products/${i}/${j}.jpg`);
  for (let i = start; i < start + count; i++) {
    const pick = <T>(list: readonly T[], salt: number): T => list[(i * 7 + salt) % list.length]!;
    const colour = pick(COLOURS, 1);
    const noun = pick(NOUNS, 3);
    const currency = pick(CURRENCIES, 5);
    yield {
      sku: `${prefix}-${String(i).padStart(7, '0')}`,
      title: `${pick(BRANDS, 0)} ${colour} ${noun} #${i}`,
      description: `A ${colour} ${noun} for everyday use. Item ${i} of the synthetic catalog.`,
      brand: pick(BRANDS, 0),
      category: pick(CATEGORIES, 2),
      price: { amount: currency === 'JPY' ? 100 + (i % 9000) : ((i % 10000) + 99) / 100, currency },
      inStock: i % 5 !== 0,
      attributes: {
        colour,
        size: pick(['S', 'M', 'L', 'XL'], 4),
        tags: [noun, colour],
        weightGrams: 100 + (i % 900),
      },
      images: Array.from({ length: perProduct }, (_, j) => imageRef(i, j)),
    };
  }
}

/** The same products as {@link syntheticCatalogLines}, as repository input (images already URIs). */
export function syntheticProducts(count: number, options: SyntheticOptions = {}): ProductInput[] {
  return [...syntheticCatalogLines(count, options)].map((l) => ({
    sku: l.sku,
    title: l.title,
    description: l.description ?? null,
    brand: l.brand ?? null,
    category: l.category ?? null,
    price: l.price ? { amount: String(l.price.amount), currency: l.price.currency } : null,
    inStock: l.inStock ?? true,
    attributes: (l.attributes ?? {}) as ProductInput['attributes'],
    images: l.images,
  }));
}

/** Writes lines (objects are serialised; strings are written as they are, for malformed input) to a JSONL file. */
export async function writeJsonl(file: string, lines: Iterable<CatalogJsonLine | string>): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file);
  for (const line of lines) {
    if (!out.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A product as a test writes it: the fields it names, the rest empty (no description, brand, price; in stock). */
export function productInput(
  fields: Pick<ProductInput, 'sku' | 'title' | 'images'> & Partial<ProductInput>,
): ProductInput {
  return {
    description: null,
    brand: null,
    category: null,
    price: null,
    inStock: true,
    attributes: {},
    ...fields,
  };
}
