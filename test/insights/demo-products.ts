import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCatalogLine, productContentHash, type Product } from '@vitrine/catalog';

export const DEMO_DIR = resolve(__dirname, '../../data/demo-catalog');
export const DEMO_CATALOG = resolve(DEMO_DIR, 'products.jsonl');
export const DEMO_MODEL_DIR = resolve(__dirname, '../../models/demo-clip');

/** The demo catalog as stored products (ids derived from SKUs), without a database. */
export function demoProducts(file = DEMO_CATALOG): Product[] {
  const base = dirname(file);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const parsed = parseCatalogLine(l);
      if (!parsed.ok) throw new Error(`line ${i + 1}: ${parsed.reason}`);
      const line = parsed.line;
      const images = line.imageRefs.map((r) => pathToFileURL(resolve(base, r)).toString());
      const hex = createHash('sha256').update(line.sku).digest('hex');
      return {
        id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
        sku: line.sku,
        title: line.title,
        description: line.description,
        brand: line.brand,
        category: line.category,
        price: line.price,
        inStock: line.inStock,
        attributes: line.attributes,
        images: images.map((uri, position) => ({
          id: `${hex.slice(0, 8)}-0000-4000-8000-${String(position).padStart(12, '0')}`,
          position,
          uri,
          sha256: null,
          width: null,
          height: null,
          status: 'pending' as const,
          error: null,
        })),
        contentHash: productContentHash({ ...line, images }),
        createdAt: new Date(0),
        updatedAt: new Date(0),
      };
    });
}
