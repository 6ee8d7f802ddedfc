import { Logger } from '@nestjs/common';
import { DomainError } from '@vitrine/core';
import type { IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { VECTOR_NAMES, type PointInput, type VectorStore } from '@vitrine/vectors';
import { jobIds, type JobPayloads } from '../queue/job-definitions';
import type { JobContext, JobProgress, JobQueue, JobRequest, JobStatus } from '../queue/job-queue';
import type { LiveCollections } from './collections';
import { describeFailure, ProductIndexFailed, type IndexingService } from './indexing.service';
import { productPayload } from './product-vectors';

export interface ReindexBatchResult {
  readonly embedded: number;
  /** Unchanged products whose vectors were copied from the live collection without running the model. */
  readonly copied: number;
  /** Already in the target (a batch re-run after a crash). */
  readonly skipped: number;
  /** Products that could not be indexed; each is recorded failed with its reason in the catalog's index state. */
  readonly failed: number;
}

export interface ReindexSummary {
  readonly collection: string;
  readonly products: number;
  readonly batches: number;
  /** Products the new collection lacks because they could not be indexed (within REINDEX_MAX_FAILED_RATIO). */
  readonly failed: number;
  readonly dropped: readonly string[];
  readonly seconds: number;
}

/** Progress of a full reindex as the CLI and the admin API show it. */
export interface ReindexProgress extends JobProgress {
  readonly runId: string;
  readonly state: JobStatus['state'];
  readonly step: JobPayloads['reindex']['step'];
  readonly collection?: string;
  readonly summary?: ReindexSummary;
  readonly failedReason?: string;
}

/** Job states of a run that may still write into its collection. */
const RUNNING: ReadonlySet<JobStatus['state']> = new Set([
  'waiting',
  'active',
  'delayed',
  'waiting-children',
  'unknown',
]);

/**
 * Zero-downtime full reindex in three parts, each a job step: `plan` drops collections abandoned by earlier runs,
 * creates a fresh collection for the model and fans the catalog out in pages of `batchSize` products
 * (deterministic job ids, so a plan re-run after a crash adds no duplicates); each `batch` fills its page; `finish`
 * switches the alias and drops the old collection. Unchanged products are copied from the live collection, so
 * re-running a full reindex on an unchanged catalog runs the model zero times.
 *
 * One product cannot fail a run: a product whose pictures cannot be read or embedded is recorded failed with its
 * reason and counted, and the batch goes on. `finish` switches the alias only when at most `maxFailedRatio` of
 * the products failed; otherwise the run ends failed (`TOO_MANY_FAILURES`), the old collection keeps serving and
 * the new one is deleted. A batch fails for good only when the infrastructure does; that fails the run too.
 */
export class ReindexService {
  private readonly log = new Logger('Reindex');

  constructor(
    private readonly products: ProductRepository,
    private readonly states: IndexStateRepository,
    private readonly store: VectorStore,
    private readonly indexing: IndexingService,
    private readonly collections: LiveCollections,
    private readonly modelId: string,
    private readonly dim: number,
    private readonly batchSize: number,
    /** Where runs are looked up to tell an abandoned collection from one a run is filling. */
    private readonly queue: Pick<JobQueue, 'status'>,
    private readonly maxFailedRatio: number,
  ) {}

  /** A new run's first job. The run id is the start time in ms: it orders generations of collections. */
  request(now: Date = new Date()): JobRequest<'reindex'> {
    const runId = String(now.getTime());
    return {
      name: 'reindex',
      jobId: jobIds.reindex(runId),
      data: { runId, step: 'plan', modelId: this.modelId, startedAt: now.toISOString() },
    };
  }

  async run(data: JobPayloads['reindex'], ctx: JobContext<'reindex'>): Promise<ReindexSummary | undefined> {
    if (data.step === 'plan') {
      const planned = await this.plan(data, ctx);
      await ctx.updateData(planned);
      if (await ctx.waitForChildren()) return undefined;
      return this.finish(planned, ctx);
    }
    return this.finish(data, ctx);
  }

  /**
   * Drops collections of the alias left by runs that crashed or failed (never the live one, `keep`, or one a run
   * in the queue is still filling). Called when a run starts and when a worker boots.
   */
  async dropAbandoned(keep?: string): Promise<string[]> {
    return this.collections.dropAbandoned(
      async (generation) => {
        const run = await this.queue.status(jobIds.reindex(String(generation)));
        return run !== undefined && RUNNING.has(run.state);
      },
      keep,
      this.log,
    );
  }

  private async plan(
    data: JobPayloads['reindex'],
    ctx: JobContext<'reindex'>,
  ): Promise<JobPayloads['reindex']> {
    const collection = this.collections.collectionFor(Number(data.runId));
    await this.dropAbandoned(collection);
    await this.store.ensureCollection({ name: collection, dim: this.dim, vectors: VECTOR_NAMES });
    const total = await this.products.count();
    let page = 0;
    let planned = 0;
    let pending: JobRequest[] = [];
    const flush = async () => {
      await ctx.addChildren(pending);
      pending = [];
      await ctx.reportProgress({ done: 0, total, message: `planned ${planned} of ${total} products` });
    };
    for await (const products of this.products.pages({ pageSize: this.batchSize })) {
      pending.push({
        name: 'reindex-batch',
        jobId: jobIds.reindexBatch(data.runId, page),
        data: { runId: data.runId, collection, productIds: products.map((p) => p.id) },
      });
      page++;
      planned += products.length;
      if (pending.length >= 50) await flush();
    }
    await flush();
    this.log.log(`run ${data.runId}: ${planned} products in ${page} batches into ${collection}`);
    return { ...data, step: 'finish', collection, totalProducts: planned, totalBatches: page };
  }

  /**
   * Fills one page. A product that fails is recorded with its reason and counted, never thrown: a permanent
   * failure at once, a transient one (a picture server that refuses connections) on the job's last attempt —
   * earlier attempts retry the batch, which skips what it already wrote. Errors of the stores themselves throw.
   */
  async batch(
    data: JobPayloads['reindex-batch'],
    ctx: Pick<JobContext, 'finalAttempt'> = { finalAttempt: true },
  ): Promise<ReindexBatchResult> {
    const products = await this.products.getByIds(data.productIds);
    const ids = products.map((p) => p.id);
    const live = await this.collections.live();
    const [inTarget, inLive, states] = await Promise.all([
      this.store.get(data.collection, ids),
      live ? this.store.get(live, ids, { withVectors: true }) : Promise.resolve([]),
      Promise.all(ids.map((id) => this.states.get(id, this.modelId))),
    ]);
    const targetHash = new Map(inTarget.map((p) => [p.id, p.payload.contentHash]));
    const livePoints = new Map(inLive.map((p) => [p.id, p]));

    const copies: PointInput[] = [];
    const toEmbed: typeof products = [];
    let skipped = 0;
    const unrecorded: { productId: string; contentHash: string }[] = [];
    products.forEach((p, i) => {
      const state = states[i];
      if (targetHash.get(p.id) === p.contentHash) {
        skipped++;
        // Written by a run that died before it could record the state.
        if (state?.status !== 'indexed' || state.vectorContentHash !== p.contentHash)
          unrecorded.push({ productId: p.id, contentHash: p.contentHash });
        return;
      }
      const current = livePoints.get(p.id);
      if (
        state?.status === 'indexed' &&
        state.vectorContentHash === p.contentHash &&
        current?.vectors &&
        current.payload.contentHash === p.contentHash
      ) {
        // Fresh payload: price and stock may have changed without touching the vectors.
        copies.push({ id: p.id, vectors: current.vectors, payload: productPayload(p, this.modelId) });
      } else {
        toEmbed.push(p);
      }
    });
    if (copies.length) await this.store.upsert(data.collection, copies, { wait: true });
    if (unrecorded.length) await this.states.markIndexed(this.modelId, unrecorded);
    // Embedded concurrently: the embedding provider coalesces them into shared model batches.
    const outcomes = await Promise.allSettled(
      toEmbed.map((p) => this.indexing.embedInto(p, [data.collection], { finalAttempt: ctx.finalAttempt })),
    );
    let failed = 0;
    let retry: unknown;
    const refused: { productId: string; reason: string }[] = [];
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') return;
      const e: unknown = o.reason;
      // Recorded on the product's index state already: counted against the run, never failing it.
      if (e instanceof ProductIndexFailed) failed++;
      else if (e instanceof DomainError && !e.transient) {
        // The product itself was refused past its pictures (its point or payload): its failure, not the run's.
        const p = toEmbed[i]!;
        refused.push({ productId: p.id, reason: describeFailure(e) });
        this.log.warn(`product ${p.sku} (${p.id}) failed: ${describeFailure(e)}`);
      } else retry ??= e;
    });
    if (refused.length) await this.states.markFailed(this.modelId, refused);
    // The queue retries the batch; what this attempt wrote is skipped next time.
    if (retry !== undefined) throw retry instanceof Error ? retry : new Error(describeFailure(retry));
    failed += refused.length;
    return { embedded: toEmbed.length - failed, copied: copies.length, skipped, failed };
  }

  private async finish(
    data: JobPayloads['reindex'],
    ctx: Pick<JobContext, 'childResults'>,
  ): Promise<ReindexSummary> {
    const collection = data.collection ?? this.collections.collectionFor(Number(data.runId));
    const total = data.totalProducts ?? 0;
    const batches = sumBatches(await ctx.childResults());
    const failed = batches.failed;
    if (failed > this.maxFailedRatio * total) {
      const live = await this.store.resolveAlias(this.collections.alias);
      await this.store.dropCollection(collection);
      const message =
        `${failed} of ${total} products (${percent(failed / total)}) could not be indexed, over the ` +
        `REINDEX_MAX_FAILED_RATIO limit of ${percent(this.maxFailedRatio)}: the alias stays on ` +
        `${live ?? '(none)'} and ${collection} was deleted. Reasons: \`vitrine index status\`, ` +
        `GET /v1/admin/index/failures`;
      this.log.error(`run ${data.runId}: ${message}`);
      throw new DomainError('TOO_MANY_FAILURES', message, {
        failed,
        total,
        limit: this.maxFailedRatio,
        transient: false,
      });
    }
    // A lower bound of the points the run left in the collection: what its batches wrote, or fewer when products
    // were deleted meanwhile (their points go with them). A collection short of it lost writes and never goes live.
    const minPoints = Math.min(
      batches.products - failed,
      Math.max(0, (await this.products.count()) - failed),
    );
    const dropped = await this.collections.commit(collection, this.log, minPoints);
    const seconds = (Date.now() - Date.parse(data.startedAt)) / 1000;
    const note = failed
      ? `; ${failed} of ${total} products could not be indexed (reasons: \`vitrine index status\`)`
      : '';
    const line = `run ${data.runId}: alias now on ${collection} after ${seconds.toFixed(1)} s${note}`;
    if (failed) this.log.warn(line);
    else this.log.log(line);
    return { collection, products: total, batches: data.totalBatches ?? 0, failed, dropped, seconds };
  }

  /** Progress and ETA of a run from its job status (products of the batches done; ETA from batches). */
  static progress(status: JobStatus, now: number = Date.now()): ReindexProgress {
    const data = status.data as JobPayloads['reindex'];
    const totalBatches = data.totalBatches ?? 0;
    const totalProducts = data.totalProducts ?? status.progress?.total ?? 0;
    const doneBatches = status.state === 'completed' ? totalBatches : status.children.processed;
    const batches = sumBatches(status.childResults);
    const done = status.state === 'completed' ? totalProducts : Math.min(batches.products, totalProducts);
    const elapsed = (now - Date.parse(data.startedAt)) / 1000;
    const etaSeconds =
      doneBatches > 0 && doneBatches < totalBatches
        ? (elapsed / doneBatches) * (totalBatches - doneBatches)
        : undefined;
    return {
      runId: data.runId,
      state: status.state,
      step: data.step,
      done,
      total: totalProducts,
      failed: batches.failed,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      ...(data.collection ? { collection: data.collection } : {}),
      ...(status.state === 'completed' ? { summary: status.result as ReindexSummary } : {}),
      ...(status.failedReason ? { failedReason: status.failedReason } : {}),
      ...(status.progress?.message && data.step === 'plan' ? { message: status.progress.message } : {}),
    };
  }
}

/** Products the completed batches went through, and how many of them failed. */
function sumBatches(results: readonly unknown[]): { products: number; failed: number } {
  let products = 0;
  let failed = 0;
  for (const r of results) {
    if (!isBatchResult(r)) continue;
    products += r.embedded + r.copied + r.skipped + r.failed;
    failed += r.failed;
  }
  return { products, failed };
}

function isBatchResult(r: unknown): r is ReindexBatchResult {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return ['embedded', 'copied', 'skipped', 'failed'].every((k) => typeof o[k] === 'number');
}

function percent(ratio: number): string {
  return `${Number.isFinite(ratio) ? +(ratio * 100).toFixed(2) : 100}%`;
}
