/** What a search runs for the words a shopper typed (see {@link QueryUnderstanding.rewrite}). */
export interface QueryRewrite {
  /** What full-text search matches: corrected words plus synonyms (OR semantics). */
  readonly lexicalQuery: string;
  /** What the text encoder embeds: the corrected query, no synonyms. */
  readonly embeddingQuery: string;
  /** Set when a word was auto-corrected ("sneakr" -> "sneaker"): the search ran on this text. */
  readonly corrected?: string;
  /** A less certain correction, not applied: shown as `didYouMean` when a search finds nothing. */
  readonly suggestion?: string;
  /** Lower-case words to highlight (query words, corrections, synonyms). */
  readonly terms: readonly string[];
}

/** A `[start, end)` range of UTF-16 offsets into a string. */
export type TextRange = readonly [number, number];

/**
 * Turns what a shopper typed into what a search runs (spelling correction, synonyms), and marks where a result's
 * text matches it. Search calls it; another library (query understanding) implements it and is registered under
 * {@link QUERY_UNDERSTANDING}; without one, {@link LiteralQueryUnderstanding} runs.
 */
export interface QueryUnderstanding {
  rewrite(query: string): Promise<QueryRewrite>;
  /** Ranges of `text` that match `terms` (stemmed/prefix matching is the implementation's business). */
  highlight(text: string, terms: readonly string[]): readonly TextRange[];
}

/** Injection token of the {@link QueryUnderstanding} that search uses. */
export const QUERY_UNDERSTANDING = Symbol('QUERY_UNDERSTANDING');

/** Letters and digits of any script, as one word. */
const WORD = /[\p{L}\p{N}]+/gu;

/** The words of `text`, lower-cased, in order, without repeats. */
export function wordsOf(text: string): string[] {
  return [...new Set((text.toLowerCase().match(WORD) ?? []).filter((w) => w.length > 0))];
}

/**
 * The query as typed: no correction, no synonyms; highlights whole words equal (case-insensitively) to a term.
 */
export class LiteralQueryUnderstanding implements QueryUnderstanding {
  rewrite(query: string): Promise<QueryRewrite> {
    return Promise.resolve({ lexicalQuery: query, embeddingQuery: query, terms: wordsOf(query) });
  }

  highlight(text: string, terms: readonly string[]): readonly TextRange[] {
    if (terms.length === 0) return [];
    const wanted = new Set(terms.map((t) => t.toLowerCase()));
    const ranges: TextRange[] = [];
    for (const m of text.matchAll(WORD)) {
      if (wanted.has(m[0].toLowerCase())) ranges.push([m.index, m.index + m[0].length]);
    }
    return ranges;
  }
}
