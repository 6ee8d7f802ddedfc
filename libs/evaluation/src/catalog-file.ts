import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '@vitrine/core';
import { parseCatalogLine, productContentHash, productInput, type Product } from '@vitrine/catalog';

/** A deterministic uuid-shaped id from a string (catalog files have SKUs, stored products have uuids). */
function uuidFrom(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A catalog JSONL file (the import format) as products, without a database: for evaluations that run on files.
 * Image paths resolve against the file's folder, as the import does; ids are derived from SKUs. A bad line is a
 * `ValidationError` naming it (an evaluation must not silently drop data).
 */
export function readCatalogProducts(file: string): Product[] {
  const base = dirname(resolve(file));
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => l.trim() !== '')
    .map(({ l, n }) => {
      const parsed = parseCatalogLine(l);
      if (!parsed.ok) throw new ValidationError(`${file} line ${n}: ${parsed.reason}`);
      const line = parsed.line;
      const images = line.imageRefs.map((r) =>
        /^https:\/\//i.test(r) ? r : pathToFileURL(resolve(base, r)).toString(),
      );
      return {
        id: uuidFrom(line.sku),
        ...productInput(line, images),
        images: images.map((uri, position) => ({
          id: uuidFrom(`${line.sku}#${position}`),
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
