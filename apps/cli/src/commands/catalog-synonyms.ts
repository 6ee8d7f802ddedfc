import * as fs from 'node:fs';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { normalizeTerms, SynonymRepository, SynonymService } from '@vitrine/search';
import { openCliContext } from '../cli.module';
import type { CommandIo } from './catalog-import';

/**
 * `vitrine catalog synonyms <file>`: adds the synonym sets of a JSON file (an array of term arrays, as
 * data/demo-catalog/synonyms.json) that the catalog does not have yet — a set with the same terms, ignoring case
 * and order, counts as there — so running it again changes nothing. An invalid set is reported on stderr with its
 * position and skipped; the others are added, and the exit code is then 1.
 */
export async function runSynonymsImport(args: { readonly file: string }, io: CommandIo): Promise<number> {
  if (!fs.existsSync(args.file)) throw new NotFoundError('synonyms file', args.file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(args.file, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${args.file}: malformed JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(parsed))
    throw new ValidationError(`${args.file}: expected a JSON array of synonym sets (arrays of terms)`);
  const sets: string[][] = [];
  let invalid = 0;
  parsed.forEach((set: unknown, i) => {
    try {
      if (!Array.isArray(set)) throw new ValidationError('a set is an array of terms');
      sets.push(normalizeTerms(set));
    } catch (e) {
      invalid++;
      io.stderr.write(`set ${i + 1}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
  const app = await openCliContext(io.config, { scope: 'catalog' });
  let added = 0;
  try {
    const synonyms = new SynonymService(new SynonymRepository(app.get<CatalogDatabase>(CATALOG_DATABASE)));
    const key = (terms: readonly string[]) =>
      [...terms]
        .map((t) => t.toLowerCase())
        .sort()
        .join('\u0000');
    const have = new Set((await synonyms.list()).map((s) => key(s.terms)));
    for (const terms of sets) {
      if (have.has(key(terms))) continue;
      await synonyms.create(terms);
      have.add(key(terms));
      added++;
    }
  } finally {
    await app.close();
  }
  io.stdout.write(
    `added ${added} synonym set${added === 1 ? '' : 's'}, ${sets.length - added} already there` +
      (invalid > 0 ? `, ${invalid} invalid (listed above)` : '') +
      '\n',
  );
  return invalid > 0 ? 1 : 0;
}
