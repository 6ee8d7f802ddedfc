import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CatalogVocabularyRepository, VocabularyRow } from '@vitrine/catalog';
import type { SynonymSet } from '../synonyms/synonym.repository';
import { SynonymService } from '../synonyms/synonym.service';
import { CatalogQueryUnderstanding } from './catalog-query-understanding';
import { LexiconService } from './lexicon.service';

const DEMO = resolve(__dirname, '../../../../data/demo-catalog');

/** The demo catalog's rows as the vocabulary repository reads them (tests only). */
export function demoRows(): VocabularyRow[] {
  return readFileSync(resolve(DEMO, 'products.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const p = JSON.parse(l) as {
        title: string;
        description?: string;
        brand?: string;
        category?: string;
        attributes?: { popularity?: number };
      };
      return {
        title: p.title,
        description: p.description ?? null,
        brand: p.brand ?? null,
        category: p.category ?? null,
        popularity: p.attributes?.popularity ?? 0,
      };
    });
}

/** The demo catalog's synonym sets. */
export function demoSynonyms(): SynonymSet[] {
  return (JSON.parse(readFileSync(resolve(DEMO, 'synonyms.json'), 'utf8')) as string[][]).map((terms, i) => ({
    id: String(i),
    terms,
  }));
}

/** In-memory repositories behind the real services: query understanding of the demo catalog. */
export function demoQueryUnderstanding(
  sets: SynonymSet[] = demoSynonyms(),
  now: () => number = Date.now,
): {
  qu: CatalogQueryUnderstanding;
  synonyms: SynonymService;
  rows: VocabularyRow[];
  sets: SynonymSet[];
} {
  const rows = demoRows();
  let n = 0;
  const catalog = {
    changeMarker: () => Promise.resolve(`${rows.length}`),
    rows: () => Promise.resolve(rows),
  } as unknown as CatalogVocabularyRepository;
  const repo = {
    list: () => Promise.resolve(sets),
    changeMarker: () => Promise.resolve(`${sets.length}:${n}:${sets.map((x) => x.terms.join()).join()}`),
    create: (terms: string[]) => {
      n++;
      const set = { id: `s${n}`, terms };
      sets.push(set);
      return Promise.resolve(set);
    },
  };
  const synonyms = new SynonymService(repo as never);
  return {
    qu: new CatalogQueryUnderstanding(new LexiconService(catalog, synonyms, { now })),
    synonyms,
    rows,
    sets,
  };
}
