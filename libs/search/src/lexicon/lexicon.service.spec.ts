import type { CatalogVocabularyRepository, VocabularyRow } from '@vitrine/catalog';
import { SynonymService } from '../synonyms/synonym.service';
import { LexiconService } from './lexicon.service';

const row = (title: string): VocabularyRow => ({
  title,
  description: null,
  brand: null,
  category: null,
  popularity: 0,
});

describe('LexiconService', () => {
  let clock = 0;
  let rows: VocabularyRow[] = [];
  let marker = 'a';
  let failing = false;
  let reads = 0;
  const catalog = {
    changeMarker: () => (failing ? Promise.reject(new Error('database down')) : Promise.resolve(marker)),
    rows: () => {
      reads++;
      return Promise.resolve(rows);
    },
  } as unknown as CatalogVocabularyRepository;
  const synonyms = new SynonymService({
    list: () => Promise.resolve([]),
    changeMarker: () => Promise.resolve('0'),
  } as never);

  beforeEach(() => {
    clock = 0;
    rows = [row('Vintage Guitar')];
    marker = 'a';
    failing = false;
    reads = 0;
  });

  it('reads the catalog once, then again only when its marker moved and a poll is due', async () => {
    const lexicons = new LexiconService(catalog, synonyms, { pollMs: 5000, now: () => clock });
    expect((await lexicons.current()).vocabulary.has('guitar')).toBe(true);
    rows = [row('Vintage Guitar'), row('Zanzibar Kazoo')];
    marker = 'b';
    clock = 4999;
    expect((await lexicons.current()).vocabulary.has('kazoo')).toBe(false);
    clock = 5000;
    expect((await lexicons.current()).vocabulary.has('kazoo')).toBe(true);
    clock = 20_000;
    await lexicons.current();
    expect(reads).toBe(2);
  });

  it('keeps answering from the lexicon it has when the database fails, and throws without one', async () => {
    const lexicons = new LexiconService(catalog, synonyms, { pollMs: 5000, now: () => clock });
    await lexicons.current();
    failing = true;
    clock = 10_000;
    expect((await lexicons.current()).vocabulary.has('guitar')).toBe(true);
    const cold = new LexiconService(catalog, synonyms, { now: () => clock });
    await expect(cold.current()).rejects.toThrow('database down');
  });
});
