import { normalizeTerms } from './synonym.service';

describe('normalizeTerms', () => {
  it('trims, collapses spaces and drops repeats by case', () => {
    expect(normalizeTerms(['  Sneaker ', 'running   shoe', 'SNEAKER', 'trainer'])).toEqual([
      'Sneaker',
      'running shoe',
      'trainer',
    ]);
  });

  it.each([
    [['only'], /2 to 20 distinct terms \(got 1\)/],
    [['same', 'SAME'], /got 1/],
    [Array.from({ length: 21 }, (_, i) => `t${i}`), /got 21/],
    [['ok', ' '], /terms\[1\] must be 1 to 64 characters/],
    [['ok', 'x'.repeat(65)], /terms\[1\] must be 1 to 64/],
    [['ok', '!!!'], /terms\[1\] must contain a letter or digit/],
    [['ok', 'bad\u0000'], /no control characters/],
    [['ok', 3], /terms\[1\] must be a string/],
  ])('refuses %j', (terms, message) => expect(() => normalizeTerms(terms)).toThrow(message));
});
