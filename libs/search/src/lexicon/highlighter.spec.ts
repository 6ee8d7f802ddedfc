import { highlightRanges } from './highlighter';
import { stem } from './text';

const marked = (text: string, terms: string[]) =>
  highlightRanges(text, terms).map(([s, e]) => text.slice(s, e));

describe('highlightRanges', () => {
  it('marks whole words, case- and plural-insensitively', () => {
    expect(marked('Metro Running Shoes for the city', ['shoe'])).toEqual(['Shoes']);
    expect(marked('A shoe, two SHOES', ['shoes'])).toEqual(['shoe', 'SHOES']);
    expect(marked('Shoehorn', ['shoe'])).toEqual([]);
  });

  it('gives UTF-16 offsets into the original text, accents ignored', () => {
    const text = 'Crème brûlée set';
    expect(highlightRanges(text, ['creme', 'brulee'])).toEqual([
      [0, 5],
      [6, 12],
    ]);
    expect(highlightRanges('🎸 Guitar', ['guitar'])).toEqual([[3, 9]]);
  });

  it('marks a hyphenated word whole or by its parts, a phrase by its words', () => {
    expect(marked('Soft Touch T-Shirt', ['t-shirt'])).toEqual(['T-Shirt']);
    expect(marked('Soft Touch T-Shirt', ['shirt'])).toEqual(['Shirt']);
    expect(marked('Metro Running Shoe', ['running shoe'])).toEqual(['Running', 'Shoe']);
    // A one-letter part of a term does not mark every stray letter.
    expect(marked('Vitamin T tea', ['t-shirt'])).toEqual([]);
  });

  it('marks nothing for no terms', () => {
    expect(highlightRanges('anything', [])).toEqual([]);
  });
});

describe('stem', () => {
  it.each([
    ['shoes', 'shoe'],
    ['boxes', 'box'],
    ['berries', 'berry'],
    ['dresses', 'dress'],
    ["men's", 'men'],
    ['glass', 'glass'],
    ['bus', 'bus'],
    ['this', 'this'],
    ['running', 'running'],
  ])('%s → %s', (w, s) => expect(stem(w)).toBe(s));
});
