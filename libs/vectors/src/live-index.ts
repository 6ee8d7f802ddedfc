import { DomainError } from '@vitrine/core';
import { isCollectionOfModel, PRODUCTS_ALIAS } from './collection-naming';
import type { VectorStore } from './vector-store';

/** What the live alias serves, from one model's point of view. */
export type LiveIndexState =
  /** Nothing was indexed yet: the alias does not exist. */
  | { readonly status: 'missing' }
  /** The alias serves this model's vectors, from `collection`. */
  | { readonly status: 'ready'; readonly collection: string }
  /** The alias serves another model's vectors (from `collection`): our queries cannot be compared with them. */
  | { readonly status: 'model-mismatch'; readonly collection: string };

/**
 * The one answer to "does the live `products` alias serve our model?", used by search, indexing and readiness.
 *
 * A mismatch is always `MODEL_MISMATCH`, and it is transient (503 with Retry-After over HTTP, retried by the queue):
 * an indexer for this model that finds the alias serving another model starts a full reindex at boot, and the alias
 * switches to this model when that run finishes. Until then searches cannot be answered and product changes go
 * only into the reindex's own collection.
 */
export class LiveIndex {
  constructor(
    private readonly store: Pick<VectorStore, 'resolveAlias'>,
    readonly modelId: string,
    readonly alias: string = PRODUCTS_ALIAS,
  ) {}

  async state(): Promise<LiveIndexState> {
    const collection = await this.store.resolveAlias(this.alias);
    if (collection === undefined) return { status: 'missing' };
    return isCollectionOfModel(collection, this.modelId)
      ? { status: 'ready', collection }
      : { status: 'model-mismatch', collection };
  }

  /**
   * The collection serving this model, or `undefined` when nothing was indexed yet; rejects with
   * {@link modelMismatch} when the alias serves another model.
   */
  async require(): Promise<string | undefined> {
    const state = await this.state();
    if (state.status === 'model-mismatch') throw this.mismatch();
    return state.status === 'ready' ? state.collection : undefined;
  }

  /** The one error for "the alias serves another model" (see {@link LiveIndex}). */
  mismatch(): DomainError {
    return modelMismatch(this.modelId, this.alias);
  }
}

/**
 * `MODEL_MISMATCH` for `modelId`: transient by its code (see `DomainError.transient`), because a reindex to this model
 * is started by the indexer and ends the mismatch.
 */
export function modelMismatch(modelId: string, alias: string = PRODUCTS_ALIAS): DomainError {
  const index = alias === PRODUCTS_ALIAS ? 'the search index' : `the "${alias}" alias`;
  return new DomainError(
    'MODEL_MISMATCH',
    `${index} holds another model's vectors; a reindex for ${modelId} is needed or running`,
    { modelId },
  );
}
