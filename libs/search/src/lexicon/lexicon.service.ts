import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { CatalogVocabularyRepository } from '@vitrine/catalog';
import type { SynonymService } from '../synonyms/synonym.service';
import { buildLexicon, type Lexicon } from './lexicon';

/** A rebuild waits this many times the previous rebuild's duration (at most 5% of a core spent rebuilding). */
const REBUILD_SPACING = 20;

export interface LexiconServiceOptions {
  /** How often, at most, a use checks whether the catalog or the synonym sets changed (default 5 s). */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/**
 * Holds this process's {@link Lexicon}: built at start (or on first use), rebuilt when the catalog's or the synonym table's change
 * marker moved (checked on use, at most every `pollMs`, and rebuilt no sooner than 20 times the last build's
 * duration; each API replica holds its own) or at once after a synonym write in this process. A failed check keeps serving the lexicon it has and retries at the next poll.
 */
export class LexiconService implements OnApplicationBootstrap {
  private readonly log = new Logger('QueryUnderstanding');
  private readonly pollMs: number;
  private readonly now: () => number;
  private lexicon: Lexicon | undefined;
  private markers = '';
  private builtAtVersion = -1;
  private checkedAt = -Infinity;
  private builtAt = -Infinity;
  private lastBuildMs = 0;
  private refreshing: Promise<Lexicon> | undefined;
  /** Moves on every rebuild (caches of rewrites key on it). */
  generation = 0;

  constructor(
    private readonly catalog: CatalogVocabularyRepository,
    private readonly synonyms: SynonymService,
    options: LexiconServiceOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Builds it before the server listens, so the first search does not wait for it; a failure waits for first use. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.current();
    } catch (e) {
      this.log.warn(`vocabulary not built at start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The lexicon as of the last check (refreshed first when a check is due). */
  async current(): Promise<Lexicon> {
    const fresh =
      this.lexicon &&
      this.builtAtVersion === this.synonyms.version &&
      this.now() - this.checkedAt < this.pollMs;
    if (fresh) return this.lexicon!;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<Lexicon> {
    const version = this.synonyms.version;
    try {
      const markers = (await Promise.all([this.catalog.changeMarker(), this.synonyms.changeMarker()])).join(
        '|',
      );
      this.checkedAt = this.now();
      if (this.lexicon && version === this.builtAtVersion) {
        if (markers === this.markers) return this.lexicon;
        // A catalog that changes all the time (stock and price feeds) must not keep the process rebuilding: each
        // rebuild waits 20 times the last one's duration (demo catalog: 30 ms, so the 5 s poll decides).
        if (this.now() - this.builtAt < REBUILD_SPACING * this.lastBuildMs) return this.lexicon;
      }
      const started = this.now();
      const [rows, sets] = await Promise.all([this.catalog.rows(), this.synonyms.list()]);
      this.lexicon = buildLexicon(rows, sets);
      this.markers = markers;
      this.builtAtVersion = version;
      this.generation++;
      this.builtAt = this.now();
      this.lastBuildMs = this.builtAt - started;
      this.log.debug(
        `vocabulary of ${this.lexicon.vocabulary.size} words, ${this.lexicon.completions.size} completions, ` +
          `${sets.length} synonym sets from ${rows.length} products in ${this.now() - started} ms`,
      );
      return this.lexicon;
    } catch (e) {
      if (!this.lexicon) throw e;
      this.checkedAt = this.now();
      this.log.warn(
        `could not refresh the vocabulary, keeping the previous one: ${e instanceof Error ? e.message : String(e)}`,
      );
      return this.lexicon;
    }
  }
}
