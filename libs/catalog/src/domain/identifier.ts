/**
 * Bidirectional formatting characters: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and
 * the marks (U+200E LRM, U+200F RLM, U+061C ALM). In an identifier they make two different values look the
 * same, or one value display as another ("Trojan Source"), and no SKU or key needs them.
 */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/**
 * A UTF-16 surrogate not part of a pair. It is not a Unicode character: encoding it to UTF-8 (the database, JSON
 * files, logs) replaces it with U+FFFD, so "A\uD800" and "A\uDC00" would be stored as the same SKU.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What is wrong with a string used as an identifier (a SKU, a brand or category key), or undefined when it is
 * acceptable. Callers name the field; the problem says what is refused and where, without echoing the
 * invisible character itself.
 */
export function identifierProblem(value: string): string | undefined {
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    return `must not contain a lone UTF-16 surrogate (U+${codeOf(lone[0])} at index ${lone.index}: not valid Unicode)`;
  }
  const bidi = BIDI_CONTROL.exec(value);
  if (bidi) {
    return `must not contain bidirectional control characters (U+${codeOf(bidi[0])} at index ${bidi.index})`;
  }
  return undefined;
}

/**
 * The stored form of an identifier: Unicode NFC, so that "é" typed as one code point or as "e" plus a combining
 * accent is one SKU, one brand, one category. Apply after {@link identifierProblem} accepted the value.
 */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFC');
}

function codeOf(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}
