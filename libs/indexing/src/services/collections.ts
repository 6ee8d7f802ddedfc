import type { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import {
  collectionNameFor,
  isCollectionOfModel,
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
  constructor(
    private readonly store: VectorStore,
    private readonly modelId: string,
    private readonly dim: number,
    readonly alias: string = PRODUCTS_ALIAS,
  ) {}

  /**
   * Makes sure the alias exists for this model: on a fresh store it creates generation 0 and points the alias at
   * it. Returns `'model-changed'` when the alias serves another model's vectors (a full reindex is needed; until
   * it switches the alias, product changes are written only to the new model's reindex collection).
   */
  async ensure(): Promise<'ready' | 'created' | 'model-changed'> {
    const current = await this.store.resolveAlias(this.alias);
    if (current && isCollectionOfModel(current, this.modelId)) return 'ready';
    if (current) return 'model-changed';
    const name = collectionNameFor(this.modelId, 0, this.alias);
    await this.store.ensureCollection({ name, dim: this.dim, vectors: VECTOR_NAMES });
    await this.store.switchAlias(this.alias, name);
    return 'created';
  }

  /** The collection the alias points to when it holds this model's vectors. */
  async live(): Promise<string | undefined> {
    const current = await this.store.resolveAlias(this.alias);
    return current && isCollectionOfModel(current, this.modelId) ? current : undefined;
  }

  /** Where a product change must be written (live collection first, then reindex targets in progress). */
  async writeTargets(): Promise<string[]> {
    const live = await this.live();
    const liveGen = live ? (parseCollectionName(live)?.generation ?? -1) : -1;
    const building = (await this.store.listCollections()).filter(
      (c) =>
        c !== live &&
        isCollectionOfModel(c, this.modelId) &&
        (parseCollectionName(c)?.generation ?? -1) > liveGen,
    );
    const targets = live ? [live, ...building] : building;
    if (targets.length === 0) {
      throw new DomainError(
        'MODEL_MISMATCH',
        `the "${this.alias}" alias serves another model; run a full reindex`,
        {
          modelId: this.modelId,
          transient: false,
        },
      );
    }
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
   * and older than it (the previous live one, and leftovers of crashed runs).
   */
  async commit(collection: string, log?: Pick<Logger, 'log'>): Promise<string[]> {
    await this.store.switchAlias(this.alias, collection);
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
