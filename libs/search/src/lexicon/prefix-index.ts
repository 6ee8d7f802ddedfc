import { fold, wordsAt } from './text';

/** What a completion is: a product title (or a word of titles), a brand, a category, or a search term of the shop's
 * synonym sets ("sneaker", which finds the running shoe though no product says it). */
export type SuggestionType = 'title' | 'brand' | 'category' | 'query';

export interface Suggestion {
  readonly text: string;
  readonly type: SuggestionType;
}

/** One thing a shopper may be typing, with its weight (how many products carry it, and their popularity). */
export interface SuggestionEntry extends Suggestion {
  readonly weight: number;
}

/** Brands and categories name a whole set of products: ahead of a title word of the same text, which is ahead of
 * a synonym term of the same text (the catalog's own word says more). */
const TYPE_RANK: Record<SuggestionType, number> = { category: 0, brand: 1, title: 2, query: 3 };

interface Key {
  /** Folded text from a word start of the entry to its end. */
  readonly key: string;
  /** 0 when the key is the whole entry (a prefix of it is a prefix of the entry), else the word's index. */
  readonly word: number;
  readonly entry: number;
}

/**
 * Completions for every keystroke: a sorted array of the folded entries and of each of their word suffixes
 * ("vintage guitar", "guitar"), searched by binary search for the first key at or after the prefix and read
 * while keys start with it. Ranked: entries that start with the prefix before those where a later word does, then
 * by weight, then shorter. Case- and accent-insensitive; one result per folded text.
 */
export class PrefixIndex {
  private readonly entries: SuggestionEntry[] = [];
  private readonly keys: Key[];
  /** Prefix scans stop after this many keys: one letter in a large catalog must not read all of it. */
  private readonly maxScan: number;

  constructor(entries: readonly SuggestionEntry[], maxScan = 20_000) {
    this.maxScan = maxScan;
    // One entry per folded text: the best-ranked type, the weights added up.
    const byText = new Map<string, SuggestionEntry>();
    for (const e of entries) {
      const k = fold(e.text).trim();
      if (k.length === 0) continue;
      const had = byText.get(k);
      if (!had) byText.set(k, e);
      else
        byText.set(k, {
          text: TYPE_RANK[e.type] < TYPE_RANK[had.type] ? e.text : had.text,
          type: TYPE_RANK[e.type] < TYPE_RANK[had.type] ? e.type : had.type,
          weight: had.weight + e.weight,
        });
    }
    this.entries = [...byText.values()];
    const keys: Key[] = [];
    this.entries.forEach((e, entry) => {
      const folded = fold(e.text);
      wordsAt(folded).forEach((w, word) => keys.push({ key: folded.slice(w.start), word, entry }));
    });
    this.keys = keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The best `limit` completions of `prefix` (empty for a prefix with no letter or digit). */
  complete(prefix: string, limit: number): Suggestion[] {
    const p = fold(prefix).replace(/\s+/g, ' ').trimStart();
    if (!/[\p{L}\p{N}]/u.test(p)) return [];
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]!.key < p) lo = mid + 1;
      else hi = mid;
    }
    const best = new Map<number, number>(); // entry → its best key's word index
    for (let i = lo, scanned = 0; i < this.keys.length && scanned < this.maxScan; i++, scanned++) {
      const k = this.keys[i]!;
      if (!k.key.startsWith(p)) break;
      const had = best.get(k.entry);
      if (had === undefined || k.word < had) best.set(k.entry, k.word);
    }
    return [...best.entries()]
      .map(([entry, word]) => ({ e: this.entries[entry]!, starts: word === 0 }))
      .sort(
        (a, b) =>
          Number(b.starts) - Number(a.starts) ||
          b.e.weight - a.e.weight ||
          TYPE_RANK[a.e.type] - TYPE_RANK[b.e.type] ||
          a.e.text.length - b.e.text.length ||
          a.e.text.localeCompare(b.e.text),
      )
      .slice(0, limit)
      .map(({ e }) => ({ text: e.text, type: e.type }));
  }
}
