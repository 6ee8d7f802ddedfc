import { fold, partsOf, stem, wordsAt } from './text';
import type { TextRange } from '../query/query-understanding';

/**
 * Ranges of the whole words of `text` that match a term: case- and accent-insensitive, plural-insensitive ("shoes"
 * matches "shoe"). A hyphenated word matches as a whole ("T-Shirt" for "t-shirt") or by its parts ("Shirt" of
 * "T-Shirt" for "shirt"); a multi-word term matches each of its words.
 */
export function highlightRanges(text: string, terms: readonly string[]): TextRange[] {
  const wanted = new Set<string>();
  for (const t of terms)
    for (const w of wordsAt(fold(t))) {
      wanted.add(stem(w.word));
      // A part alone ("t" of "t-shirt") would mark every stray letter: parts of three letters or more only.
      for (const p of partsOf(w.word)) if (p.length >= 3) wanted.add(stem(p));
    }
  if (wanted.size === 0) return [];
  const ranges: TextRange[] = [];
  for (const w of wordsAt(text)) {
    const folded = fold(w.word);
    if (wanted.has(stem(folded))) {
      ranges.push([w.start, w.end]);
      continue;
    }
    const parts = partsOf(folded);
    if (parts.length < 2) continue;
    // Offsets of each part inside the original word (folding keeps a hyphenated word's separators in place).
    let at = w.start;
    for (const part of w.word.split(/[-'’]/)) {
      if (part.length > 0 && wanted.has(stem(fold(part)))) ranges.push([at, at + part.length]);
      at += part.length + 1;
    }
  }
  return ranges;
}
