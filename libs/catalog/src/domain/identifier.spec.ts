import { identifierProblem, normalizeIdentifier } from './identifier';

describe('identifierProblem', () => {
  it.each([
    ['U+202E RIGHT-TO-LEFT OVERRIDE', 'ABC\u202E321', '202E', 3],
    ['U+202A LEFT-TO-RIGHT EMBEDDING', '\u202AABC', '202A', 0],
    ['U+202D LEFT-TO-RIGHT OVERRIDE', 'A\u202DB', '202D', 1],
    ['U+2066 LEFT-TO-RIGHT ISOLATE', 'A\u2066B', '2066', 1],
    ['U+2069 POP DIRECTIONAL ISOLATE', 'AB\u2069', '2069', 2],
    ['U+200E LEFT-TO-RIGHT MARK', 'A\u200EB', '200E', 1],
    ['U+200F RIGHT-TO-LEFT MARK', 'A\u200FB', '200F', 1],
    ['U+061C ARABIC LETTER MARK', 'A\u061CB', '061C', 1],
  ])('refuses %s and says which and where', (_name, value, code, index) => {
    expect(identifierProblem(value)).toBe(
      `must not contain bidirectional control characters (U+${code} at index ${index})`,
    );
  });

  it.each([
    ['a lone high surrogate', 'SKU-\uD800', 'D800', 4],
    ['a lone low surrogate', 'SKU-\uDC00', 'DC00', 4],
    ['a reversed pair', '\uDE00\uD83D', 'DE00', 0],
  ])('refuses %s', (_name, value, code, index) => {
    expect(identifierProblem(value)).toBe(
      `must not contain a lone UTF-16 surrogate (U+${code} at index ${index}: not valid Unicode)`,
    );
  });

  it.each([
    ['plain ASCII', 'MUG-RED-01'],
    ['Arabic and Hebrew letters (right-to-left scripts, no controls)', 'مج-01 שלום'],
    ['an emoji (a surrogate pair)', 'MUG-\u{1F600}'],
    ['accents, composed or not', 'CAFE\u0301'],
    ['a zero-width non-joiner (needed in Persian names)', 'می\u200Cخواهم'],
  ])('accepts %s', (_name, value) => {
    expect(identifierProblem(value)).toBeUndefined();
  });
});

describe('normalizeIdentifier', () => {
  it('stores the composed (NFC) form, so two spellings of "CAFÉ" are one identifier', () => {
    const decomposed = 'CAFE\u0301';
    const composed = 'CAF\u00C9';
    expect(decomposed).not.toBe(composed);
    expect(normalizeIdentifier(decomposed)).toBe(composed);
    expect(normalizeIdentifier(composed)).toBe(composed);
  });
});
