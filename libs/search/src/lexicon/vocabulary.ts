import { boundedDamerau, looksLikeSlip } from './edit-distance';
import { fold, foldedWords, hasDigit, partsOf, stem } from './text';

/** One correction of one query word. */
export interface Correction {
  /** The vocabulary word (folded). */
  readonly word: string;
  /**
   * `true`: applied to the search (the best candidate within the allowed distance, clearly ahead of the others);
   * `false`: only suggested (an ambiguous best, or one edit further than auto-correction allows).
   */
  readonly certain: boolean;
}

/** Where a word of the vocabulary comes from: catalog names weigh more than description words. */
export type WordSource = 'name' | 'description' | 'synonym';

const SOURCE_WEIGHT: Record<WordSource, number> = { name: 3, description: 1, synonym: 3 };

/** Words shorter than this are never corrected: too many real words are one edit apart. */
export const MIN_CORRECTED_LENGTH = 4;
/** From this length a word may be two edits from its correction. */
export const TWO_EDITS_LENGTH = 8;

/**
 * The words of a catalog with their weight (how often they occur, names counting more), and the spelling correction
 * over them in the manner of Typesense and Meilisearch: a word that is not in the vocabulary is corrected to the best
 * vocabulary word within Damerau-Levenshtein 1 (words of 4+ characters) or 2 (8+), preferring fewer edits, the same
 * first letter, a letter restored over one dropped, and frequent words. A word of the vocabulary, a number, or a shorter word is never corrected.
 */
export class Vocabulary {
  private readonly weights = new Map<string, number>();
  /** Words by length, for the scan of candidates. */
  private byLength: { word: string; mask: number }[][] = [];
  /** "tshirt" → "t-shirt": the joined form of each hyphenated word. */
  private readonly joined = new Map<string, string>();

  /** Adds every word of `text` (and the parts and joined form of hyphenated ones). */
  add(text: string, source: WordSource, times = 1): void {
    const w = SOURCE_WEIGHT[source] * times;
    for (const word of foldedWords(text)) {
      this.bump(word, w);
      const parts = partsOf(word);
      if (parts.length > 1) {
        for (const p of parts) this.bump(p, w);
        const glued = parts.join('');
        if (!this.joined.has(glued)) this.joined.set(glued, word);
      }
    }
    this.byLength = [];
  }

  has(word: string): boolean {
    return this.weights.has(fold(word));
  }

  weight(word: string): number {
    return this.weights.get(fold(word)) ?? 0;
  }

  get size(): number {
    return this.weights.size;
  }

  /** The hyphenated vocabulary word whose letters `word` runs together ("tshirt" → "t-shirt"), if any. */
  hyphenated(word: string): string | undefined {
    return this.joined.get(fold(word));
  }

  /**
   * Whether `word` is a form of a vocabulary word: itself, or with a plural, possessive, -ed, -ing or -er ending
   * ("mugs", "unlocked", "trainers"), or the base of one ("plate" when the catalog says "plated"). Such a word is
   * not a typo, whatever it is one edit away from.
   */
  knows(typed: string): boolean {
    const word = fold(typed);
    if (this.weights.has(word) || this.weights.has(stem(word))) return true;
    // The catalog has an inflected form of it ("plated" for "plate"): a word, not a slip for "place".
    const bare = word.endsWith('e') ? word.slice(0, -1) : word;
    if (
      FORMS.some(
        (f) => this.weights.has(word + f) || (f.length > 1 && f !== 'es' && this.weights.has(bare + f)),
      )
    )
      return true;
    for (const [ending, replacements] of INFLECTIONS) {
      if (!word.endsWith(ending) || word.length - ending.length < 3) continue;
      const base = word.slice(0, -ending.length);
      if (replacements.some((r) => this.weights.has(base + r))) return true;
      // A doubled final consonant: "popping" → "pop", "shipped" → "ship".
      if (/([b-df-hj-np-tv-z])\1$/.test(base) && this.weights.has(base.slice(0, -1))) return true;
    }
    return false;
  }

  /** The correction of one query word, or undefined when it stays as typed. */
  correct(typed: string): Correction | undefined {
    const word = fold(typed);
    if (word.length < MIN_CORRECTED_LENGTH || hasDigit(word) || this.knows(word)) return undefined;
    const glued = this.joined.get(word.replace(/[-']/g, ''));
    if (glued) return { word: glued, certain: true };
    if (partsOf(word).every((p) => this.knows(p))) return undefined;
    const allowed = word.length >= TWO_EDITS_LENGTH ? 2 : 1;
    const ranked = this.candidates(word, allowed);
    const best = ranked[0];
    if (!best) return undefined;
    const second = ranked[1];
    const clearlyAhead =
      !second ||
      second.distance > best.distance ||
      (best.sameFirst && !second.sameFirst) ||
      (best.restores && !second.restores) ||
      best.weight >= 2 * second.weight;
    // One edit that is not a typing slip ("plate" → "place"), or a close call: worth a "did you mean", not a
    // silent rewrite of what the shopper asked for.
    const slip = best.distance > 1 || looksLikeSlip(word, best.word);
    return { word: best.word, certain: clearlyAhead && slip };
  }

  private candidates(word: string, max: number): Candidate[] {
    if (this.byLength.length === 0) {
      for (const w of this.weights.keys())
        (this.byLength[w.length] ??= []).push({ word: w, mask: letterMask(w) });
    }
    const mask = letterMask(word);
    const found: Candidate[] = [];
    for (let len = Math.max(1, word.length - max); len <= word.length + max; len++) {
      for (const w of this.byLength[len] ?? []) {
        // An edit adds or removes at most one letter kind, a substitution both: more differing kinds than 2 per
        // allowed edit cannot be within reach (a cheap test before the distance itself).
        if (popcount(mask ^ w.mask) > 2 * max) continue;
        const distance = boundedDamerau(word, w.word, max);
        if (distance <= max)
          found.push({
            word: w.word,
            distance,
            sameFirst: w.word[0] === word[0],
            restores: w.word.length > word.length,
            weight: this.weights.get(w.word) ?? 0,
          });
      }
    }
    return found.sort(
      (a, b) =>
        a.distance - b.distance ||
        Number(b.sameFirst) - Number(a.sameFirst) ||
        Number(b.restores) - Number(a.restores) ||
        b.weight - a.weight ||
        a.word.localeCompare(b.word),
    );
  }

  private bump(word: string, by: number): void {
    this.weights.set(word, (this.weights.get(word) ?? 0) + by);
  }
}

/** Endings that make an inflected form of a word (after a final e is dropped for -ed, -ing, -er). */
const FORMS = ['s', 'es', 'd', 'ed', 'ing', 'er', 'ers'];

/** Endings of inflected forms and what the base form may end with instead ("berries" → "berry", "baked" → "bake"). */
const INFLECTIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['ies', ['y']],
  ['es', ['', 'e']],
  ['s', ['']],
  ['ied', ['y']],
  ['ed', ['', 'e']],
  ['ing', ['', 'e']],
  ['ers', ['', 'e']],
  ['er', ['', 'e']],
];

/** Which of 32 letter classes (a-z, and the rest folded onto six more) a word contains. */
function letterMask(word: string): number {
  let m = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    m |= 1 << (c >= 97 && c <= 122 ? c - 97 : 26 + (c % 6));
  }
  return m;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
}

interface Candidate {
  readonly word: string;
  readonly distance: number;
  readonly sameFirst: boolean;
  /**
   * The candidate is longer than the typed word: it restores a letter left out, the commonest slip ("blosom" is
   * "blossom" more likely than "bloom").
   */
  readonly restores: boolean;
  readonly weight: number;
}
