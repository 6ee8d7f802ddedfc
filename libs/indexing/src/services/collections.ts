import type { Logger } from '@nestjs/common';
import {
  collectionNameFor,
  isCollectionOfModel,
  LiveIndex,
  parseCollectionName,
  PRODUCTS_ALIAS,
  VECTOR_NAMES,
  type VectorStore,
} from '@vitrine/vectors';

/**
 * Which collections the indexer writes a product into. Readers search the `products` alias. A product change
 * goes into the alias's collection and into any newer collection of the same model that a running full
 * reindex is filling, so a change made mid-reindex is not lost when the alias switches.
 */
export class LiveCollections {
  /** The one live-index check (shared with search and readiness). */
  readonly liveIndex: LiveIndex;

  constructor(
    private readonly store: VectorStore,
    private readonly modelId: string,
    private readonly dim: number,
    readonly alias: string = PRODUCTS_ALIAS,
  ) {
    this.liveIndex = new LiveIndex(store, modelId, alias);
  }

  /**
   * Makes sure the alias exists for this model: on a fresh store it creates generation 0 and points the alias at
   * it. Returns `'model-changed'` when the alias serves another model's vectors (a full reindex is needed; until
   * it switches the alias, product changes are written only to the new model's reindex collection).
   */
  async ensure(): Promise<'ready' | 'created' | 'model-changed'> {
    const state = await this.liveIndex.state();
    if (state.status === 'ready') return 'ready';
    if (state.status === 'model-mismatch') return 'model-changed';
    const name = collectionNameFor(this.modelId, 0, this.alias);
    await this.store.ensureCollection({ name, dim: this.dim, vectors: VECTOR_NAMES });
    await this.store.switchAlias(this.alias, name);
    return 'created';
  }

  /** The collection the alias points to when it holds this model's vectors. */
  async live(): Promise<string | undefined> {
    const state = await this.liveIndex.state();
    return state.status === 'ready' ? state.collection : undefined;
  }

  /**
   * Every collection of this model readers see or soon will: the live one first, then those a running full
   * reindex is filling. Empty while the alias serves another model and no reindex to ours has created its
   * collection yet (nothing of ours to delete from).
   */
  async ours(): Promise<string[]> {
    const live = await this.live();
    const liveGen = live ? (parseCollectionName(live)?.generation ?? -1) : -1;
    const building = (await this.store.listCollections()).filter(
      (c) =>
        c !== live &&
        isCollectionOfModel(c, this.modelId) &&
        (parseCollectionName(c)?.generation ?? -1) > liveGen,
    );
    return live ? [live, ...building] : building;
  }

  /**
   * Where a product change must be written ({@link ours}); rejects with the live-index check's `MODEL_MISMATCH`
   * (transient: the queue retries until the reindex to this model has created its collection) when there is none.
   */
  async writeTargets(): Promise<string[]> {
    const targets = await this.ours();
    if (targets.length === 0) throw this.liveIndex.mismatch();
    return targets;
  }

  /** Name of a reindex run's collection; deterministic, so a re-planned run (after a crash) reuses it. */
  collectionFor(generation: number): string {
    return collectionNameFor(this.modelId, generation, this.alias);
  }

  /**
   * Drops the collections of this alias that nothing serves and no run is filling: leftovers of full reindexes
   * that crashed or failed (they would otherwise take disk and every product write). Never the alias's
   * collection, `keep`, or one whose run `inProgress` says is still going. Returns the dropped names.
   */
  async dropAbandoned(
    inProgress: (generation: number) => Promise<boolean>,
    keep?: string,
    log?: Pick<Logger, 'log'>,
  ): Promise<string[]> {
    const live = await this.store.resolveAlias(this.alias);
    const dropped: string[] = [];
    for (const c of await this.store.listCollections()) {
      const parsed = parseCollectionName(c);
      if (c === live || c === keep || !parsed || parsed.prefix !== this.alias) continue;
      if (await inProgress(parsed.generation)) continue;
      await this.store.dropCollection(c);
      dropped.push(c);
    }
    if (dropped.length) log?.log(`dropped ${dropped.join(', ')}, left by reindexes that did not finish`);
    return dropped;
  }

  /**
   * Points the alias at `collection` atomically and drops the collections of this alias that are now unused
   * and older than it (the previous live one, and leftovers of crashed runs). `minPoints`: the points the
   * collection must hold before searches are sent to it (the store waits for a server collection to be green).
   */
  async commit(collection: string, log?: Pick<Logger, 'log'>, minPoints?: number): Promise<string[]> {
    await this.store.switchAlias(this.alias, collection, minPoints === undefined ? undefined : { minPoints });
    const gen = parseCollectionName(collection)?.generation ?? 0;
    const dropped: string[] = [];
    for (const c of await this.store.listCollections()) {
      const parsed = parseCollectionName(c);
      if (c === collection || !parsed || parsed.prefix !== this.alias || parsed.generation >= gen) continue;
      await this.store.dropCollection(c);
      dropped.push(c);
    }
    if (dropped.length) log?.log(`dropped ${dropped.join(', ')}`);
    return dropped;
  }
}
