import type { VocabularyRow } from '@vitrine/catalog';
import type { SynonymSet } from '../synonyms/synonym.repository';
import { PrefixIndex, type SuggestionEntry } from './prefix-index';
import { fold, stem, wordsAt } from './text';
import { Vocabulary } from './vocabulary';

/** Title words that complete nothing a shopper is after. */
const STOP_WORDS = new Set(['and', 'the', 'for', 'with', 'from', 'of', 'in', 'on', 'to', 'by']);

/** A synonym term as the stems of its words, and the other terms of its set. */
interface SynonymTerm {
  readonly stems: readonly string[];
  readonly others: readonly string[];
}

/** What query understanding knows at one moment: the vocabulary, the completions and the synonym sets. */
export interface Lexicon {
  readonly vocabulary: Vocabulary;
  readonly completions: PrefixIndex;
  /** The other terms of every set one of whose terms occurs (as consecutive words, plural-insensitively) in `words`. */
  synonymsOf(words: readonly string[]): string[];
}

/** Builds the lexicon of a catalog's products and its synonym sets. */
export function buildLexicon(rows: readonly VocabularyRow[], sets: readonly SynonymSet[]): Lexicon {
  const vocabulary = new Vocabulary();
  const entries: SuggestionEntry[] = [];
  const brands = new Map<string, number>();
  const categories = new Map<string, number>();
  const titleWords = new Map<string, number>();
  for (const r of rows) {
    vocabulary.add(r.title, 'name');
    if (r.brand) vocabulary.add(r.brand, 'name');
    if (r.category) vocabulary.add(r.category, 'name');
    // Description words are known words (never "corrected" into something else), but weigh less as corrections.
    if (r.description) vocabulary.add(r.description, 'description');
    const weight = 1 + Math.log1p(Math.max(0, r.popularity));
    entries.push({ text: r.title, type: 'title', weight });
    if (r.brand) brands.set(r.brand, (brands.get(r.brand) ?? 0) + weight);
    if (r.category) categories.set(r.category, (categories.get(r.category) ?? 0) + weight);
    for (const w of wordsAt(r.title)) {
      const word = fold(w.word);
      if (word.length < 3 || STOP_WORDS.has(word) || /^\p{N}+$/u.test(word)) continue;
      titleWords.set(word, (titleWords.get(word) ?? 0) + weight);
    }
  }
  for (const [text, weight] of brands) entries.push({ text, type: 'brand', weight });
  for (const [text, weight] of categories) entries.push({ text, type: 'category', weight });
  for (const [text, weight] of titleWords) entries.push({ text, type: 'title', weight });

  const terms: SynonymTerm[] = [];
  for (const set of sets) {
    for (const term of set.terms) {
      vocabulary.add(term, 'synonym');
      // A term the shop defined is worth completing: it finds products through its set.
      entries.push({ text: term, type: 'query', weight: 1 });
      terms.push({
        stems: wordsAt(fold(term)).map((w) => stem(w.word)),
        others: set.terms.filter((t) => t !== term),
      });
    }
  }

  return {
    vocabulary,
    completions: new PrefixIndex(entries),
    synonymsOf(words) {
      const stems = words.map((w) => stem(fold(w)));
      const out = new Set<string>();
      for (const t of terms)
        if (t.stems.length > 0 && containsRun(stems, t.stems)) t.others.forEach((o) => out.add(o));
      // A term the query already has adds nothing.
      const typed = ` ${stems.join(' ')} `;
      return [...out].filter(
        (o) =>
          !typed.includes(
            ` ${wordsAt(fold(o))
              .map((w) => stem(w.word))
              .join(' ')} `,
          ),
      );
    },
  };
}

function containsRun(words: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= words.length; i++) {
    for (let j = 0; j < run.length; j++) if (words[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}
