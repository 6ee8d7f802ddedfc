import { DomainError } from '@vitrine/core';
import { collectionNameFor, PRODUCTS_ALIAS } from './collection-naming';
import type { AttributeIndexType, VectorName, VectorStore } from './vector-store';

/** What a full reindex writes into. */
export interface ReindexOptions {
  /** Embedding model whose vectors the new collection holds. */
  readonly modelId: string;
  readonly dim: number;
  readonly vectors: readonly VectorName[];
  readonly attributeIndexes?: Readonly<Record<string, AttributeIndexType>>;
  /** Alias to switch on commit. Default `products`. */
  readonly alias?: string;
  /** Generation number of the new collection. Default `Date.now()`. */
  readonly generation?: number;
}

/**
 * A zero-downtime full reindex: {@link begin} creates a fresh collection for the model, the indexer fills
 * `target.collection` while readers keep using the alias, {@link commit} switches the alias atomically and
 * drops the collection it pointed to before, {@link abort} drops the new one instead.
 *
 * @example
 * const target = await ReindexTarget.begin(store, { modelId, dim: 512, vectors: ['image', 'text'] });
 * try { for (const batch of batches) await store.upsert(target.collection, batch); await target.commit(); }
 * catch (e) { await target.abort(); throw e; }
 */
export class ReindexTarget {
  private state: 'open' | 'committed' | 'aborted' = 'open';

  private constructor(
    private readonly store: VectorStore,
    /** The new collection to fill. */
    readonly collection: string,
    /** The alias {@link commit} switches. */
    readonly alias: string,
  ) {}

  /** Creates the new collection. Fails with `CONFLICT` if that exact name already exists. */
  static async begin(store: VectorStore, options: ReindexOptions): Promise<ReindexTarget> {
    const alias = options.alias ?? PRODUCTS_ALIAS;
    const collection = collectionNameFor(options.modelId, options.generation ?? Date.now(), alias);
    const { created } = await store.ensureCollection({
      name: collection,
      dim: options.dim,
      vectors: options.vectors,
      ...(options.attributeIndexes ? { attributeIndexes: options.attributeIndexes } : {}),
    });
    if (!created) {
      throw new DomainError(
        'CONFLICT',
        `Collection ${collection} already exists; another reindex may be running`,
        {
          collection,
        },
      );
    }
    return new ReindexTarget(store, collection, alias);
  }

  /**
   * Points the alias at the new collection in one atomic step, then drops the previous target. Returns the
   * dropped collection's name, if any.
   */
  async commit(): Promise<string | undefined> {
    this.assertOpen();
    const previous = await this.store.resolveAlias(this.alias);
    await this.store.switchAlias(this.alias, this.collection);
    this.state = 'committed';
    if (previous !== undefined && previous !== this.collection) {
      await this.store.dropCollection(previous);
      return previous;
    }
    return undefined;
  }

  /** Drops the new collection; the alias is untouched. */
  async abort(): Promise<void> {
    this.assertOpen();
    this.state = 'aborted';
    await this.store.dropCollection(this.collection);
  }

  private assertOpen(): void {
    if (this.state !== 'open')
      throw new DomainError('CONFLICT', `Reindex into ${this.collection} is already ${this.state}`);
  }
}
