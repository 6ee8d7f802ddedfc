import type { Product } from '@vitrine/catalog';
import { readCatalogProducts } from '@vitrine/evaluation';
import { DEMO_CATALOG } from '../support/indexing-app';

export { DEMO_CATALOG, DEMO_DIR, DEMO_MODEL_DIR } from '../support/indexing-app';

/** The demo catalog as stored products (ids derived from SKUs, pictures as file URIs), without a database. */
export function demoProducts(file = DEMO_CATALOG): Product[] {
  return readCatalogProducts(file);
}
