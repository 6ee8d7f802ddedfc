import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VocabularyProvider } from './vocabulary-provider';
import { DEFAULT_VOCABULARIES, loadVocabularies, promptsFor, withCategories } from './vocabularies';

describe('vocabularies', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vitrine-vocab-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies a file of overrides over the defaults', () => {
    const file = join(dir, 'v.json');
    writeFileSync(
      file,
      JSON.stringify({ material: { labels: ['oak', 'pine'] }, style: { templates: ['a {} look'] } }),
    );
    const v = loadVocabularies(file);
    expect(v.material.labels).toEqual(['oak', 'pine']);
    expect(v.material.templates).toEqual(DEFAULT_VOCABULARIES.material.templates);
    expect(promptsFor(v.style, 'retro')).toEqual(['a retro look']);
    expect(v.colour).toEqual(DEFAULT_VOCABULARIES.colour);
  });

  it('refuses a bad file with a message naming the problem', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ style: { templates: ['no placeholder'] } }));
    expect(() => loadVocabularies(file)).toThrow(/style.templates.0: a template must contain \{\}/);
    writeFileSync(file, JSON.stringify({ shape: { labels: ['round', 'square'] } }));
    expect(() => loadVocabularies(file)).toThrow(/invalid vocabulary file/);
    expect(() => loadVocabularies(join(dir, 'missing.json'))).toThrow(/cannot read the vocabulary file/);
  });

  it('names the file, line and column of a truncated file', () => {
    const file = join(dir, 'cut.json');
    writeFileSync(file, '{\n  "material": {\n    "labels": ["oak", "pi');
    expect(() => loadVocabularies(file)).toThrow(
      /^invalid vocabulary file .*cut\.json: not valid JSON at line 3, column 26 \(/,
    );
  });

  it("uses the catalog's categories when it has at least two", () => {
    expect(withCategories(DEFAULT_VOCABULARIES, ['Toys', ' Food ', 'Toys']).category.labels).toEqual([
      'Food',
      'Toys',
    ]);
    expect(withCategories(DEFAULT_VOCABULARIES, ['Toys']).category).toBe(DEFAULT_VOCABULARIES.category);
  });

  it('re-reads catalog categories only after the TTL, and not after a failed read', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const provider = new VocabularyProvider(
      DEFAULT_VOCABULARIES,
      () => {
        calls++;
        return fail ? Promise.reject(new Error('db down')) : Promise.resolve(['A', `B${calls}`]);
      },
      1000,
      () => now,
    );
    expect(provider.current()).toBe(DEFAULT_VOCABULARIES);
    expect((await provider.get()).category.labels).toEqual(['A', 'B1']);
    now = 999;
    await provider.get();
    expect(calls).toBe(1);
    now = 1001;
    fail = true;
    await expect(provider.get()).rejects.toThrow('db down');
    fail = false;
    // The failure is not cached: the next call asks again, and the last good value served meanwhile.
    expect(provider.current().category.labels).toEqual(['A', 'B1']);
    expect((await provider.get()).category.labels).toEqual(['A', 'B3']);
  });
});
