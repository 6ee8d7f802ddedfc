import { excerptOf, highlightCard } from './highlights';
import { LiteralQueryUnderstanding } from './query-understanding';

describe('highlights', () => {
  const qu = new LiteralQueryUnderstanding();

  it('marks the title and cuts a short window of the description from a word boundary', () => {
    const description = `${'Lorem ipsum dolor sit amet '.repeat(6)}with a red bouquet of tulips. ${'More text. '.repeat(20)}`;
    const h = highlightCard(qu, 'Red Bouquet', description, ['red', 'bouquet'])!;
    expect(h.title).toEqual([
      [0, 3],
      [4, 11],
    ]);
    const d = h.description!;
    expect(d.text.length).toBeLessThanOrEqual(160);
    expect(description).toContain(d.text);
    expect(d.text.startsWith(' ')).toBe(false);
    expect(d.ranges.map(([a, b]) => d.text.slice(a, b))).toEqual(['red', 'bouquet']);
  });

  it('gives nothing when nothing matches', () => {
    expect(highlightCard(qu, 'Tulip', 'A flower', ['bouquet'])).toBeUndefined();
    expect(excerptOf('text', [])).toBeUndefined();
  });
});
