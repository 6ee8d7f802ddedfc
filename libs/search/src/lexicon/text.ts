/**
 * The word-level text handling that query understanding shares: accent and case folding, word splitting with
 * offsets, and a light English stemmer (plurals and possessives only: enough for "shoes" to highlight "shoe",
 * without the over-stemming that would make "running" match "run" in a shopper's eyes).
 */

/** Letters and digits, with inner hyphens or apostrophes kept in the word ("t-shirt", "men's"). */
const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;
const MARKS = /\p{M}+/gu;

/** Lower case without accents: "Crème" → "creme", "Men’s" → "men's". */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(/’/g, "'");
}

/** A word of a text and where it is (UTF-16 offsets into the original text, end exclusive). */
export interface WordAt {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** The words of `text` in order, as written (not folded), with their offsets. */
export function wordsAt(text: string): WordAt[] {
  return [...text.matchAll(WORD)].map((m) => ({
    word: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** The folded words of `text`; a hyphenated word is one word here ("t-shirt"). */
export function foldedWords(text: string): string[] {
  return wordsAt(text).map((w) => fold(w.word));
}

/** The parts of a hyphenated word ("t-shirt" → ["t", "shirt"]); a plain word is its own only part. */
export function partsOf(word: string): string[] {
  return word.split(/[-']/).filter((p) => p.length > 0);
}

/** True for a word with a digit in it (sizes, model numbers): never corrected. */
export function hasDigit(word: string): boolean {
  return /\p{N}/u.test(word);
}

/**
 * English plural/possessive stripping on a folded word: "shoes" → "shoe", "boxes" → "box", "berries" → "berry",
 * "men's" → "men"; "glass", "bus", "this" stay.
 */
export function stem(word: string): string {
  let w = word.endsWith("'s") ? word.slice(0, -2) : word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(?:ss|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  return w;
}
