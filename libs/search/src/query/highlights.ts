import type { Highlights } from '../search.types';
import type { QueryUnderstanding, TextRange } from './query-understanding';

/** Longest description excerpt a card carries. */
export const EXCERPT_CHARS = 160;
/** Context kept before the first match in an excerpt. */
const LEAD_CHARS = 40;

/** Where `terms` appear in a card's title, and a window of its description around the first match. */
export function highlightCard(
  qu: QueryUnderstanding,
  title: string,
  description: string | null | undefined,
  terms: readonly string[],
  cjkWords: readonly string[] = [],
): Highlights | undefined {
  if (terms.length === 0 && cjkWords.length === 0) return undefined;
  const ranges = (text: string): readonly TextRange[] =>
    cjkWords.length === 0
      ? qu.highlight(text, terms)
      : mergeRanges([...qu.highlight(text, terms), ...occurrences(text, cjkWords)]);
  const titleRanges = ranges(title);
  const excerpt = description ? excerptOf(description, ranges(description)) : undefined;
  if (titleRanges.length === 0 && !excerpt) return undefined;
  return {
    ...(titleRanges.length > 0 ? { title: titleRanges } : {}),
    ...(excerpt ? { description: excerpt } : {}),
  };
}

/** At most {@link EXCERPT_CHARS} of `text` from a word boundary before the first range, with the ranges in it. */
export function excerptOf(
  text: string,
  ranges: readonly TextRange[],
): { text: string; ranges: TextRange[] } | undefined {
  const first = ranges[0];
  if (!first) return undefined;
  let start = Math.max(0, first[0] - LEAD_CHARS);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space >= 0 && space < first[0] ? space + 1 : first[0];
  }
  let end = Math.min(text.length, start + EXCERPT_CHARS);
  // Never cut a UTF-16 surrogate pair in half.
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return {
    text: text.slice(start, end),
    ranges: ranges
      .filter(([a, b]) => a >= start && b <= end)
      .map(([a, b]) => [a - start, b - start] as const),
  };
}

/**
 * Where `words` occur in `text` (CJK words: no spaces mark their edges, so an occurrence is a substring, compared
 * without case).
 */
export function occurrences(text: string, words: readonly string[]): TextRange[] {
  const lower = text.toLowerCase();
  const out: TextRange[] = [];
  for (const w of words) {
    if (w === '') continue;
    for (let at = lower.indexOf(w); at >= 0; at = lower.indexOf(w, at + w.length))
      out.push([at, at + w.length]);
  }
  return out;
}

/** Ranges sorted by start, overlapping ones joined (高跟鞋 and 鞋 mark 高跟鞋 once). */
function mergeRanges(ranges: readonly TextRange[]): TextRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a < last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
