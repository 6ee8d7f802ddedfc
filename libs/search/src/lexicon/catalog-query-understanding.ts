import type { QueryRewrite, QueryUnderstanding, TextRange } from '../query/query-understanding';
import { highlightRanges } from './highlighter';
import type { LexiconService } from './lexicon.service';
import type { Suggestion } from './prefix-index';
import { fold, hasDigit, wordsAt } from './text';

/** Rewrites kept per lexicon generation: queries repeat, and a correction scans the vocabulary. */
const REWRITE_CACHE = 2000;

/**
 * Query understanding from the catalog's own words ({@link LexiconService}): spelling correction of words the
 * catalog does not have, joined compounds ("tshirt", "t shirt" → "t-shirt"), the admin's synonym sets added to the
 * full-text query, highlights, and completions for `/v1/suggest`.
 */
export class CatalogQueryUnderstanding implements QueryUnderstanding {
  private readonly cache = new Map<string, QueryRewrite>();
  private cacheGeneration = -1;

  constructor(private readonly lexicons: LexiconService) {}

  async rewrite(query: string): Promise<QueryRewrite> {
    const lexicon = await this.lexicons.current();
    if (this.cacheGeneration !== this.lexicons.generation) {
      this.cache.clear();
      this.cacheGeneration = this.lexicons.generation;
    }
    const hit = this.cache.get(query);
    if (hit) {
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    const vocabulary = lexicon.vocabulary;
    const words = wordsAt(query);
    const certain: Edit[] = [];
    const all: Edit[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const next = words[i + 1];
      // "t shirt" → "t-shirt", "mouse trap" → "mousetrap": only when a part is not a word the catalog knows on its
      // own ("high heeled" stays as typed), and never across a number ("pool 8 ball").
      if (next && /^\s+$/.test(query.slice(w.end, next.start)) && !hasDigit(w.word + next.word)) {
        const glued = fold(w.word) + fold(next.word);
        const joined = vocabulary.hyphenated(glued) ?? (vocabulary.has(glued) ? glued : undefined);
        const partsAreWords =
          w.word.length >= 3 &&
          next.word.length >= 3 &&
          vocabulary.knows(w.word) &&
          vocabulary.knows(next.word);
        if (joined && !partsAreWords) {
          const edit = { start: w.start, end: next.end, word: joined };
          certain.push(edit);
          all.push(edit);
          i++;
          continue;
        }
      }
      const c = vocabulary.correct(w.word);
      if (!c) continue;
      const edit = { start: w.start, end: w.end, word: c.word };
      if (c.certain) certain.push(edit);
      all.push(edit);
    }
    // A query with a word the catalog does not know and nothing corrects ("mortgage refinance rate") is about
    // something the shop does not sell: correcting its other words ("refinance" → "resonance") would answer a
    // question nobody asked. Its corrections are only suggested; short words (often stopwords) do not count.
    const covered = (w: { start: number; end: number }) =>
      all.some((e) => e.start <= w.start && w.end <= e.end);
    const foreign = words.some(
      (w) => !covered(w) && w.word.length >= 4 && !hasDigit(w.word) && !vocabulary.knows(w.word),
    );
    if (foreign) certain.length = 0;
    const corrected = certain.length > 0 ? applyEdits(query, certain) : undefined;
    const suggestion = all.length > certain.length ? applyEdits(query, all) : undefined;
    const searched = corrected ?? query;
    const searchedWords = wordsAt(searched).map((w) => w.word);
    const synonyms = lexicon.synonymsOf(searchedWords);
    const terms = new Set<string>();
    for (const w of [
      ...words.map((x) => x.word),
      ...searchedWords,
      ...synonyms.flatMap((s) => wordsAt(s).map((x) => x.word)),
    ])
      terms.add(fold(w));
    const rewrite: QueryRewrite = {
      lexicalQuery: synonyms.length > 0 ? `${searched} ${synonyms.join(' ')}` : searched,
      embeddingQuery: searched,
      ...(corrected !== undefined ? { corrected } : {}),
      ...(suggestion !== undefined ? { suggestion } : {}),
      terms: [...terms],
    };
    this.cache.set(query, rewrite);
    if (this.cache.size > REWRITE_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return rewrite;
  }

  highlight(text: string, terms: readonly string[]): readonly TextRange[] {
    return highlightRanges(text, terms);
  }

  /** Up to `limit` completions of what the shopper typed so far, best first. */
  async suggest(prefix: string, limit: number): Promise<Suggestion[]> {
    return (await this.lexicons.current()).completions.complete(prefix, limit);
  }
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly word: string;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, e.start) + e.word;
    at = e.end;
  }
  return out + text.slice(at);
}
