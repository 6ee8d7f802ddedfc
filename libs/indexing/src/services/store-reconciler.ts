import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@nestjs/common';
import type { IndexStateRepository, Product, ProductRepository, ProductToIndex } from '@vitrine/catalog';
import type { StoreDamage, StoredPoint, VectorStore } from '@vitrine/vectors';
import type { LiveCollections } from './collections';
import type { IndexingScheduler } from './indexing.scheduler';
import type { IndexingService } from './indexing.service';
import { productPayload } from './product-vectors';

/** Products compared with the store per round trip. */
const PAGE = 500;

/** What the vector store really holds for the current model, compared with the catalog. */
export interface StoreAudit {
  readonly modelId: string;
  /** The live collection (the `products` alias), null when it does not serve this model. */
  readonly collection: string | null;
  /** Products in the catalog. */
  readonly products: number;
  /** Points in the live collection. */
  readonly vectors: number;
  /** Products whose vectors in the store were computed from their current content by this model. */
  readonly current: number;
  /** Products the store holds no vectors for. */
  readonly missing: number;
  /** Products whose vectors in the store were computed from other content (or by another model). */
  readonly stale: number;
  /**
   * Of `current`: products whose stored payload (price, stock, SKU, filterable attributes, which do not feed the
   * vectors) is not the catalog's, so filters would answer from old values.
   */
  readonly outdatedPayload: number;
  /** Points of products the catalog no longer has. */
  readonly orphans: number;
  /**
   * Products the index state calls `indexed` whose vectors the store does not hold as recorded (absent, or from
   * other content): the state is wrong about them until a reconcile marks them pending and re-queues them.
   */
  readonly unfounded: number;
  /** Damage the store found (and repaired) in its own files since it was opened. */
  readonly damage: readonly StoreDamage[];
}

export interface ReconcileResult {
  /** The store as the reconcile found it (orphans already removed). */
  readonly audit: StoreAudit;
  readonly orphansRemoved: number;
  /** Products marked pending because the store did not hold what their index state claimed. */
  readonly requeued: number;
  /** Products queued for indexing (those above plus every other missing or stale one, and outdated payloads). */
  readonly queued: number;
}

type Verdict = 'current' | 'missing' | 'stale' | 'outdatedPayload';

/**
 * Compares the vector store with the catalog by product id, content hash and payload, and repairs the difference:
 * the vectors of deleted products are removed, every product whose vectors are missing or stale is marked pending
 * (the index state must never claim `indexed` for vectors the store lacks) and queued through the
 * {@link IndexingScheduler}, and so is every product whose stored payload is outdated (its job rewrites the
 * payload without running the model). Runs at every worker's boot and in `vitrine index sync`; it is what brings back
 * vectors lost to a damaged store file, a restored backup or a wiped vector store.
 */
export class StoreReconciler {
  private readonly log = new Logger('Reconcile');

  constructor(
    private readonly products: ProductRepository,
    private readonly states: IndexStateRepository,
    private readonly store: VectorStore,
    private readonly collections: LiveCollections,
    private readonly indexing: IndexingService,
    private readonly scheduler: IndexingScheduler,
    readonly modelId: string,
  ) {}

  /** What the store holds, compared with the catalog; changes nothing. */
  async audit(): Promise<StoreAudit> {
    return this.scan(undefined);
  }

  /** Removes orphans, marks and queues every product whose vectors are missing or stale; logs what it found. */
  async reconcile(options: { readonly retryFailed?: boolean } = {}): Promise<ReconcileResult> {
    const live = await this.collections.live();
    const orphansRemoved = live ? await this.indexing.removeOrphans() : 0;
    let requeued = 0;
    const refresh: Product[] = [];
    // Without a live collection of this model (the alias serves another one until a full reindex switches it),
    // this model's vectors are in the reindex's collection: nothing to mark.
    const audit = await this.scan(
      live
        ? async (lost, outdated) => {
            if (lost.length) requeued += await this.states.markPending(this.modelId, lost);
            refresh.push(...outdated);
          }
        : undefined,
    );
    let queued = await this.scheduler.syncPending(options);
    for (let i = 0; i < refresh.length; i += PAGE) {
      queued += await this.scheduler.productsChanged(refresh.slice(i, i + PAGE));
    }
    const result = { audit, orphansRemoved, requeued, queued };
    this.report(result);
    return result;
  }

  private report(r: ReconcileResult): void {
    const a = r.audit;
    const s = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const summary =
      `the store holds current vectors for ${a.current} of ${s(a.products, 'product')} ` +
      `(${a.missing} missing, ${a.stale} stale, ${a.outdatedPayload} with an outdated payload); ` +
      `removed ${s(r.orphansRemoved, 'orphan')}; ` +
      `queued ${s(r.queued, 'product')}`;
    if (r.requeued > 0 || a.outdatedPayload > 0) {
      this.log.error(
        `${s(r.requeued, 'product')} marked indexed had no current vectors in the store, ` +
          `${a.outdatedPayload} had an outdated payload ` +
          `(${a.damage.length ? `${s(a.damage.length, 'damaged store file')} repaired` : 'the store lost them'}): ` +
          `marked pending and re-queued; ${summary}`,
      );
    } else {
      this.log.log(summary);
    }
  }

  /**
   * One pass over the catalog in id order; `onPage` gets each page's products whose state is unfounded and those
   * whose payload is outdated.
   */
  private async scan(
    onPage: ((lost: string[], outdated: Product[]) => Promise<void>) | undefined,
  ): Promise<StoreAudit> {
    const collection = (await this.collections.live()) ?? null;
    const counts = { products: 0, current: 0, missing: 0, stale: 0, outdatedPayload: 0, unfounded: 0 };
    let held = 0;
    for await (const page of this.states.allWithState(this.modelId, { pageSize: PAGE })) {
      const points = collection
        ? await this.store.get(
            collection,
            page.map((p) => p.productId),
          )
        : [];
      const byId = new Map(points.map((p) => [p.id, p]));
      held += points.length;
      // Full products only for those with current vectors: their payload is the one thing left to compare.
      const withCurrent = page.filter((p) => this.holds(byId.get(p.productId), p.contentHash));
      const catalog = new Map(
        (await this.products.getByIds(withCurrent.map((p) => p.productId))).map((p) => [p.id, p]),
      );
      const lost: string[] = [];
      const outdated: Product[] = [];
      for (const product of page) {
        const point = byId.get(product.productId);
        const full = catalog.get(product.productId);
        let verdict = this.verdict(product, point);
        if (
          verdict === 'current' &&
          full &&
          !isDeepStrictEqual(point?.payload, productPayload(full, this.modelId))
        ) {
          verdict = 'outdatedPayload';
          outdated.push(full);
        }
        counts.products++;
        counts[verdict === 'outdatedPayload' ? 'current' : verdict]++;
        if (verdict === 'outdatedPayload') counts.outdatedPayload++;
        if (product.status === 'indexed' && !this.holds(point, product.vectorContentHash)) {
          counts.unfounded++;
          lost.push(product.productId);
        }
      }
      if ((lost.length || outdated.length) && onPage) await onPage(lost, outdated);
    }
    const vectors = collection ? await this.store.count(collection) : 0;
    return {
      modelId: this.modelId,
      collection,
      ...counts,
      vectors,
      orphans: Math.max(0, vectors - held),
      damage: this.store.damage?.() ?? [],
    };
  }

  private verdict(product: ProductToIndex, point: StoredPoint | undefined): Verdict {
    if (!point) return 'missing';
    return this.holds(point, product.contentHash) ? 'current' : 'stale';
  }

  /** Whether `point` holds this model's vectors computed from `contentHash`. */
  private holds(point: StoredPoint | undefined, contentHash: string | null): boolean {
    return (
      point !== undefined &&
      contentHash !== null &&
      point.payload.contentHash === contentHash &&
      point.payload.modelId === this.modelId
    );
  }
}
