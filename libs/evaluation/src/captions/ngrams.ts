/** Counts of every n-gram of order 1..n, keyed by its words joined with a space (words never contain one). */
export function ngramCounts(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 1; k <= n; k++) {
    for (let i = 0; i + k <= words.length; i++) {
      const gram = words.slice(i, i + k).join(' ');
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
  return counts;
}

/** Order of an n-gram key made by {@link ngramCounts}. */
export function orderOf(gram: string): number {
  let order = 1;
  for (let i = 0; i < gram.length; i++) if (gram.charCodeAt(i) === 32) order++;
  return order;
}

/** Python's `str.split()`: runs of whitespace separate, leading/trailing whitespace is dropped. */
export function splitWords(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}
