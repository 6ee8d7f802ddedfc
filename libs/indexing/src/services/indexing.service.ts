import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import type { IndexStateRepository, Product, ProductRepository } from '@vitrine/catalog';
import type { PointInput, VectorStore } from '@vitrine/vectors';
import { describeError, UnrecoverableJobError } from '../queue/job-errors';
import { coalesce } from './coalesce';
import type { LiveCollections } from './collections';
import type { IndexedPicture } from './attribute-extraction.port';
import { productPayload, type ProductVectorizer } from './product-vectors';

/** Ids checked against the catalog per query while removing orphans. */
const ORPHAN_PAGE = 1000;
/** Times one job indexes a product that keeps changing under it before it leaves the rest to the next job. */
const MAX_PASSES = 3;

/** Whether two versions of a product give the same vectors and payload. */
function sameIndexedView(a: Product, b: Product, modelId: string): boolean {
  return (
    a.contentHash === b.contentHash &&
    isDeepStrictEqual(productPayload(a, modelId), productPayload(b, modelId))
  );
}

/** `items` split into runs in which no key appears twice, in order (one run unless a key repeats). */
function distinctRounds<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const rounds: { keys: Set<string>; items: T[] }[] = [];
  for (const item of items) {
    const k = key(item);
    let round = rounds.find((r) => !r.keys.has(k));
    if (!round) rounds.push((round = { keys: new Set(), items: [] }));
    round.keys.add(k);
    round.items.push(item);
  }
  return rounds.map((r) => r.items);
}

export type IndexOutcome =
  | { readonly status: 'indexed'; readonly productId: string; readonly imageErrors: number }
  | { readonly status: 'unchanged'; readonly productId: string }
  | { readonly status: 'missing'; readonly productId: string };

/**
 * A product that cannot be indexed (bad picture, 404, refused address; or a passing outage on the job's last
 * attempt). Its failure is already recorded on its index state with `reason` when this is thrown; the queue ends the
 * job failed without retrying it, and a full reindex counts it.
 */
export class ProductIndexFailed extends UnrecoverableJobError {
  constructor(
    readonly productId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`product ${productId}: ${reason}`, options);
  }
}

export interface EmbedOptions {
  /**
   * The job's last attempt: a transient failure to read or embed the product's pictures (a server that refuses
   * connections, a timeout) is recorded as the product's failure instead of thrown, so it ends with a reason.
   */
  readonly finalAttempt?: boolean;
}

/** A failure as the index state, the logs and the admin API show it: `CODE: message` (as a failed job's reason). */
export const describeFailure = describeError;

/**
 * Keeps one product's vectors in step with the catalog. Skips the model entirely when the product's content and
 * the model are what its stored vectors were computed from. Permanent failures (bad image, 404, refused address)
 * are recorded on the product's index state and thrown as {@link ProductIndexFailed}, which the queue records as
 * a failed job without retrying; transient ones are thrown as they are for the queue to retry.
 */
export class IndexingService {
  private readonly log = new Logger('Indexing');
  /** One product read for the jobs that ask in the same turn (see {@link coalesce}). */
  private readonly product: (id: string) => Promise<Product | undefined>;
  /** Coalesced vector writes, by collection. */
  private readonly upserts = new Map<string, (point: PointInput) => Promise<unknown>>();
  /** One index-state write for the jobs that finish in the same turn. */
  private readonly markIndexed: (item: { productId: string; contentHash: string }) => Promise<unknown>;

  constructor(
    private readonly products: ProductRepository,
    private readonly states: IndexStateRepository,
    private readonly store: VectorStore,
    private readonly vectorizer: ProductVectorizer,
    private readonly collections: LiveCollections,
    readonly modelId: string,
    /**
     * Follow-up work once a product's vectors are stored, given its first picture as read and embedded when that
     * worked (the module runs attribute extraction here).
     */
    private readonly afterIndexed?: (product: Product, firstPicture?: IndexedPicture) => Promise<void>,
  ) {
    this.product = coalesce(async (ids: string[]) => {
      const found = new Map((await products.getByIds(ids)).map((p) => [p.id, p]));
      return ids.map((id) => found.get(id));
    });
    this.markIndexed = coalesce(async (items: { productId: string; contentHash: string }[]) => {
      // One statement cannot write a row twice (two jobs of one product finishing together): one per round.
      for (const round of distinctRounds(items, (i) => i.productId)) await states.markIndexed(modelId, round);
      return items;
    });
  }

  async indexProduct(
    productId: string,
    options: { readonly force?: boolean } & EmbedOptions = {},
  ): Promise<IndexOutcome> {
    let product = await this.product(productId);
    for (let pass = 1; ; pass++) {
      if (!product) return { status: 'missing', productId };
      const outcome = await this.indexVersion(product, pass === 1 ? options : { ...options, force: false });
      // A change committed while this job ran (its own job deduplicated against this running one, or a job for
      // it finishing first) may just have been written over with what this job read: look once more.
      const latest = await this.product(productId);
      if (!latest || pass >= MAX_PASSES || sameIndexedView(latest, product, this.modelId)) return outcome;
      product = latest;
    }
  }

  private async indexVersion(
    product: Product,
    options: { readonly force?: boolean } & EmbedOptions,
  ): Promise<IndexOutcome> {
    const productId = product.id;
    const targets = await this.collections.writeTargets();
    if (!options.force && (await this.isUpToDate(product))) {
      // Price and stock do not feed the embeddings, but searches filter on them: refresh the payload alone.
      return (await this.refreshPayload(product, targets))
        ? { status: 'unchanged', productId }
        : this.embedInto(product, targets, options);
    }
    return this.embedInto(product, targets, options);
  }

  /**
   * Rewrites the stored payload when it no longer matches the catalog, reusing the stored vectors. Returns false
   * when a target lacks the product's vectors (they must be computed).
   */
  private async refreshPayload(product: Product, targets: readonly string[]): Promise<boolean> {
    const payload = productPayload(product, this.modelId);
    for (const c of targets) {
      const [point] = await this.store.get(c, [product.id], { withVectors: true });
      if (!point?.vectors || point.payload.contentHash !== product.contentHash) return false;
      if (!isDeepStrictEqual(point.payload, payload)) {
        await this.store.upsert(c, [{ id: product.id, vectors: point.vectors, payload }], { wait: true });
      }
    }
    return true;
  }

  /**
   * Embeds `product` and writes it into `collections`, recording image and index state. Shared with the full
   * reindex, which passes its own target collection.
   */
  async embedInto(
    product: Product,
    collections: readonly string[],
    options: EmbedOptions = {},
  ): Promise<IndexOutcome> {
    let vectors;
    try {
      vectors = await this.vectorizer.vectorize(product);
    } catch (e) {
      const permanent = e instanceof DomainError && !e.transient;
      if (permanent || options.finalAttempt) {
        const reason = describeFailure(e);
        await this.states.markFailed(this.modelId, [{ productId: product.id, reason }]);
        // Without images that work, the old vectors would describe a product that no longer looks like that. A
        // passing outage (out of retries) keeps them: the product stays findable as it was.
        if (permanent) await Promise.all(collections.map((c) => this.store.delete(c, [product.id])));
        this.log.warn(`product ${product.sku} (${product.id}) failed: ${reason}`);
        throw new ProductIndexFailed(product.id, reason, { cause: e });
      }
      throw e;
    }
    for (const c of collections) await this.upsertInto(c)(vectors.point);
    await Promise.all(vectors.images.map((i) => this.products.recordImageFetch(i.imageId, i.uri, i.outcome)));
    await this.markIndexed({ productId: product.id, contentHash: product.contentHash });
    await this.afterIndexed?.(product, vectors.firstPicture);
    return { status: 'indexed', productId: product.id, imageErrors: vectors.imageErrors.length };
  }

  /** The coalesced upsert into `collection`: the points of the jobs that finish in the same turn, one write. */
  private upsertInto(collection: string): (point: PointInput) => Promise<unknown> {
    let upsert = this.upserts.get(collection);
    if (!upsert) {
      upsert = coalesce(async (points: PointInput[]) => {
        for (const round of distinctRounds(points, (p) => p.id)) {
          await this.store.upsert(collection, round, { wait: true });
        }
        return points;
      });
      // Collections come and go with reindexes: keep the few most recent.
      if (this.upserts.size >= 8) this.upserts.delete(this.upserts.keys().next().value!);
      this.upserts.set(collection, upsert);
    }
    return upsert;
  }

  /** Removes a product's vectors from every collection readers may see (or soon will). */
  async deleteProduct(productId: string): Promise<void> {
    const targets = await this.collections.ours();
    await Promise.all(targets.map((c) => this.store.delete(c, [productId], { wait: true })));
  }

  /**
   * Deletes vectors of products the catalog no longer has, from every collection readers may see (or soon will);
   * returns how many. They appear when the catalog changes without the indexer hearing of it — a database
   * dropped and re-imported under the same vector store (new product ids), or rows deleted in SQL — and would
   * otherwise take result slots and come back without a product card (short pages).
   */
  async removeOrphans(): Promise<number> {
    let removed = 0;
    for (const c of await this.collections.ours()) {
      let cursor: string | undefined;
      do {
        const page = await this.store.scrollIds(c, { limit: ORPHAN_PAGE, ...(cursor ? { cursor } : {}) });
        const known = await this.products.existingIds(page.ids);
        const orphans = page.ids.filter((id) => !known.has(id));
        if (orphans.length) await this.store.delete(c, orphans, { wait: true });
        removed += orphans.length;
        cursor = page.next;
      } while (cursor !== undefined);
    }
    return removed;
  }

  private async isUpToDate(product: Product): Promise<boolean> {
    const state = await this.states.get(product.id, this.modelId);
    return state?.status === 'indexed' && state.vectorContentHash === product.contentHash;
  }
}
