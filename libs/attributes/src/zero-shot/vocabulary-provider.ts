import { withCategories, type Vocabularies } from './vocabularies';

/**
 * The vocabularies in force: the configured ones, with the catalog's own categories as the category labels
 * (re-read at most every `ttlMs`, so a new category is picked up without a restart, and a burst of jobs costs
 * one query).
 */
export class VocabularyProvider {
  private cached: { at: number; value: Promise<Vocabularies> } | undefined;
  private latest: Vocabularies | undefined;

  constructor(
    private readonly base: Vocabularies,
    private readonly categories: () => Promise<readonly string[]>,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Vocabularies> {
    const t = this.now();
    if (!this.cached || t - this.cached.at > this.ttlMs) {
      const value = this.categories().then((c) => (this.latest = withCategories(this.base, c)));
      value.catch(() => (this.cached = undefined));
      this.cached = { at: t, value };
    }
    return this.cached.value;
  }

  /** The vocabularies last read (the configured ones before the first read), for synchronous callers. */
  current(): Vocabularies {
    return this.latest ?? this.base;
  }
}
