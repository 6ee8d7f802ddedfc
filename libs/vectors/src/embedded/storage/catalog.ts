import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { describeJsonError } from '@vitrine/core';
import type { AttributeIndexType, VectorName } from '../../vector-store';
import { writeFileAtomic } from './atomic-file';
import { keepDamagedCopy, type DamageLog } from './damage';

/** A collection as the catalog records it. */
export interface CatalogCollection {
  readonly dim: number;
  readonly vectors: readonly VectorName[];
  readonly seed: number;
  readonly attributeIndexes?: Readonly<Record<string, AttributeIndexType>>;
}

/** Everything about the store except point data; small, and rewritten whole on every change. */
export interface CatalogData {
  readonly collections: Readonly<Record<string, CatalogCollection>>;
  readonly aliases: Readonly<Record<string, string>>;
}

/**
 * The file: format 2 adds a crc32 of the JSON of `{ collections, aliases }` (format 1, without it, is still read
 * and rewritten as format 2 at the next change).
 */
interface CatalogFileData extends CatalogData {
  readonly version: 1 | 2;
  readonly crc32?: number;
}

const EMPTY: CatalogData = { collections: {}, aliases: {} };

function checksum(data: CatalogData): number {
  return crc32(JSON.stringify({ collections: data.collections, aliases: data.aliases }));
}

type Parsed =
  { readonly ok: true; readonly data: CatalogData } | { readonly ok: false; readonly why: string };

function parse(text: string): Parsed {
  let file: CatalogFileData;
  try {
    file = JSON.parse(text) as CatalogFileData;
  } catch (e) {
    // "not valid JSON (line 12, column 3: Unexpected end of JSON input)": where a cut or an edit broke it.
    return { ok: false, why: `not valid JSON (${describeJsonError(text, e)})` };
  }
  if (typeof file !== 'object' || file === null || typeof file.collections !== 'object' || !file.aliases)
    return { ok: false, why: 'not a catalog' };
  const data = { collections: file.collections, aliases: file.aliases };
  if (file.version === 1) return { ok: true, data };
  if (file.version !== 2) return { ok: false, why: `unsupported catalog version ${String(file.version)}` };
  if (file.crc32 !== checksum(data)) return { ok: false, why: 'checksum mismatch' };
  return { ok: true, data };
}

/**
 * `catalog.json`: the list of collections and aliases, replaced atomically so an alias switch is one rename. A
 * second copy, `catalog.json.bak`, is written after it: when one is damaged the other is used (and the damaged
 * one rewritten, a copy of it kept), so a flipped byte in either loses nothing.
 */
export class CatalogFile {
  constructor(
    private readonly dir: string,
    private readonly damage: DamageLog,
  ) {}

  private get file(): string {
    return path.join(this.dir, 'catalog.json');
  }

  private get backup(): string {
    return `${this.file}.bak`;
  }

  private static async text(file: string): Promise<string | undefined> {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async read(): Promise<CatalogData> {
    const [main, bak] = await Promise.all([CatalogFile.text(this.file), CatalogFile.text(this.backup)]);
    const first = main === undefined ? undefined : parse(main);
    const second = bak === undefined ? undefined : parse(bak);
    if (first?.ok) {
      if (!second?.ok || JSON.stringify(second.data) !== JSON.stringify(first.data)) {
        if (bak !== undefined && !second?.ok) await this.reportDamaged(this.backup, bak);
        await writeFileAtomic(this.backup, serialize(first.data));
      }
      return first.data;
    }
    if (second?.ok) {
      if (main !== undefined) await this.reportDamaged(this.file, main);
      await writeFileAtomic(this.file, serialize(second.data));
      return second.data;
    }
    if (main === undefined && bak === undefined) return EMPTY;
    const why = [first, second]
      .map((p, i) => (p && !p.ok ? `${i ? this.backup : this.file}: ${p.why}` : undefined))
      .filter((w): w is string => w !== undefined)
      .join('; ');
    throw new Error(
      `The vector store catalog is damaged and has no intact copy (${why}). Move ${this.dir} aside and run ` +
        '`vitrine index sync` to rebuild the vectors from the product catalog.',
    );
  }

  private async reportDamaged(file: string, text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    const copy = await keepDamagedCopy(file, buf, 0);
    this.damage.report({
      file: this.damage.relative(file),
      kind: 'catalog',
      // Written atomically, so never torn; the other copy is intact, so nothing is lost.
      reason: 'corrupt',
      recordsKept: 0,
      recordsLost: 0,
      bytesDiscarded: buf.length,
      copy: this.damage.relative(copy),
    });
  }

  async write(data: CatalogData): Promise<void> {
    const text = serialize(data);
    await writeFileAtomic(this.file, text);
    await writeFileAtomic(this.backup, text);
  }
}

function serialize(data: CatalogData): string {
  const file: CatalogFileData = {
    version: 2,
    crc32: checksum(data),
    collections: data.collections,
    aliases: data.aliases,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
