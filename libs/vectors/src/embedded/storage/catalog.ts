import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AttributeIndexType, VectorName } from '../../vector-store';
import { writeFileAtomic } from './atomic-file';

/** A collection as the catalog records it. */
export interface CatalogCollection {
  readonly dim: number;
  readonly vectors: readonly VectorName[];
  readonly seed: number;
  readonly attributeIndexes?: Readonly<Record<string, AttributeIndexType>>;
}

/** Everything about the store except point data; small, and rewritten whole on every change. */
export interface CatalogData {
  readonly version: 1;
  readonly collections: Readonly<Record<string, CatalogCollection>>;
  readonly aliases: Readonly<Record<string, string>>;
}

const EMPTY: CatalogData = { version: 1, collections: {}, aliases: {} };

/** `catalog.json`: the list of collections and aliases, replaced atomically so an alias switch is one rename. */
export class CatalogFile {
  constructor(private readonly dir: string) {}

  private get file(): string {
    return path.join(this.dir, 'catalog.json');
  }

  async read(): Promise<CatalogData> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw e;
    }
    const data = JSON.parse(text) as CatalogData;
    if (data.version !== 1)
      throw new Error(`${this.file}: unsupported catalog version ${String(data.version)}`);
    return data;
  }

  async write(data: CatalogData): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}
