import { demoRows } from './demo-lexicon.fixture';
import { buildLexicon } from './lexicon';
import { PrefixIndex } from './prefix-index';

describe('PrefixIndex', () => {
  const index = new PrefixIndex([
    { text: 'Vintage Guitar', type: 'title', weight: 1 },
    { text: 'guitar', type: 'title', weight: 2 },
    { text: 'Guitar', type: 'category', weight: 5 },
    { text: 'Guild & Co', type: 'brand', weight: 3 },
    { text: 'Crème Brûlée Set', type: 'title', weight: 1 },
    { text: 'Guide Book', type: 'title', weight: 9 },
  ]);

  it('ranks entries starting with the prefix before later-word matches, then by weight', () => {
    expect(index.complete('gui', 10)).toEqual([
      { text: 'Guide Book', type: 'title' },
      { text: 'Guitar', type: 'category' },
      { text: 'Guild & Co', type: 'brand' },
      { text: 'Vintage Guitar', type: 'title' },
    ]);
  });

  it('keeps one completion per text, the category or brand over a title word', () => {
    expect(index.complete('guitar', 10).filter((s) => s.text.toLowerCase() === 'guitar')).toEqual([
      { text: 'Guitar', type: 'category' },
    ]);
  });

  it('is case- and accent-insensitive, reads phrases and honours the limit', () => {
    expect(index.complete('CREME B', 5)).toEqual([{ text: 'Crème Brûlée Set', type: 'title' }]);
    expect(index.complete('brule', 5)).toEqual([{ text: 'Crème Brûlée Set', type: 'title' }]);
    expect(index.complete('vintage gu', 5)).toEqual([{ text: 'Vintage Guitar', type: 'title' }]);
    expect(index.complete('g', 2)).toHaveLength(2);
  });

  it('finds nothing for an unknown prefix or one without a letter', () => {
    expect(index.complete('xyz', 5)).toEqual([]);
    expect(index.complete('  -', 5)).toEqual([]);
  });

  it('completes synonym terms, after a title word of the same text', () => {
    const lexicon = buildLexicon(demoRows(), [{ id: '1', terms: ['sneaker', 'T-Shirt', 'running shoe'] }]);
    expect(lexicon.completions.complete('sne', 5)).toEqual([{ text: 'sneaker', type: 'query' }]);
    expect(lexicon.completions.complete('t-sh', 5)).toContainEqual({ text: 't-shirt', type: 'title' });
  });

  it('completes "gui" with guitar first on the demo catalog', () => {
    const demo = buildLexicon(demoRows(), []).completions;
    const got = demo.complete('gui', 8);
    expect(got[0]).toEqual({ text: 'guitar', type: 'title' });
    expect(got).toContainEqual({ text: 'Vintage Guitar', type: 'title' });
    expect(demo.complete('garden', 3)[0]).toEqual({ text: 'Garden & Plants', type: 'category' });
  });
});
