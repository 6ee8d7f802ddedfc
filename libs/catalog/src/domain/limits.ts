/** Field limits of a product (the column sizes) and of one line of a catalog JSONL file. */
export const CATALOG_LIMITS = {
  skuChars: 128,
  titleChars: 500,
  descriptionChars: 20_000,
  brandChars: 200,
  categoryChars: 200,
  attributesBytes: 16 * 1024,
  images: 32,
  imageRefChars: 2048,
  /** Locales of title/description per product. */
  translations: 32,
  /** Whole line: generous for the fields above, small enough that a runaway line cannot exhaust memory. */
  lineBytes: 1024 * 1024,
} as const;
