import { resolve } from 'node:path';
import type { Product } from '@vitrine/catalog';
import { readCatalogProducts } from '@vitrine/insights';

export const DEMO_DIR = resolve(__dirname, '../../data/demo-catalog');
export const DEMO_CATALOG = resolve(DEMO_DIR, 'products.jsonl');
export const DEMO_MODEL_DIR = resolve(__dirname, '../../models/demo-clip');

/** The demo catalog as stored products (ids derived from SKUs, pictures as file URIs), without a database. */
export function demoProducts(file = DEMO_CATALOG): Product[] {
  return readCatalogProducts(file);
}
