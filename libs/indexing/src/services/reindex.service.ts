import { Logger } from '@nestjs/common';
import type { IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { VECTOR_NAMES, type PointInput, type VectorStore } from '@vitrine/vectors';
import { jobIds, type JobPayloads } from '../queue/job-definitions';
import type { JobContext, JobProgress, JobRequest, JobStatus } from '../queue/job-queue';
import type { LiveCollections } from './collections';
import type { IndexingService } from './indexing.service';
import { productPayload } from './product-vectors';

export interface ReindexBatchResult {
  readonly embedded: number;
  /** Unchanged products whose vectors were copied from the live collection without running the model. */
  readonly copied: number;
  /** Already in the target (a batch re-run after a crash). */
  readonly skipped: number;
  readonly failed: number;
}

export interface ReindexSummary {
  readonly collection: string;
  readonly products: number;
  readonly batches: number;
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

/**
 * Zero-downtime full reindex in three parts, each a job step: `plan` creates a fresh collection for the model
 * and fans the catalog out in pages of `batchSize` products (deterministic job ids, so a plan re-run after a
 * crash adds no duplicates); each `batch` fills its page; `finish` switches the alias and drops the old
 * collection. Unchanged products are copied from the live collection, so re-running a full reindex on an
 * unchanged catalog runs the model zero times.
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
      return this.finish(planned);
    }
    return this.finish(data);
  }

  private async plan(
    data: JobPayloads['reindex'],
    ctx: JobContext<'reindex'>,
  ): Promise<JobPayloads['reindex']> {
    const collection = this.collections.collectionFor(Number(data.runId));
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

  async batch(data: JobPayloads['reindex-batch']): Promise<ReindexBatchResult> {
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
    const outcomes = await Promise.all(toEmbed.map((p) => this.indexing.embedInto(p, [data.collection])));
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    return { embedded: outcomes.length - failed, copied: copies.length, skipped, failed };
  }

  private async finish(data: JobPayloads['reindex']): Promise<ReindexSummary> {
    const collection = data.collection ?? this.collections.collectionFor(Number(data.runId));
    const dropped = await this.collections.commit(collection, this.log);
    const seconds = (Date.now() - Date.parse(data.startedAt)) / 1000;
    this.log.log(`run ${data.runId}: alias now on ${collection} after ${seconds.toFixed(1)} s`);
    return {
      collection,
      products: data.totalProducts ?? 0,
      batches: data.totalBatches ?? 0,
      dropped,
      seconds,
    };
  }

  /** Progress and ETA of a run from its job status (batches done / planned). */
  static progress(status: JobStatus, now: number = Date.now()): ReindexProgress {
    const data = status.data as JobPayloads['reindex'];
    const totalBatches = data.totalBatches ?? 0;
    const totalProducts = data.totalProducts ?? status.progress?.total ?? 0;
    const doneBatches = status.state === 'completed' ? totalBatches : status.children.processed;
    const done = totalBatches ? Math.round((doneBatches / totalBatches) * totalProducts) : 0;
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
      failed: status.children.failed,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      ...(data.collection ? { collection: data.collection } : {}),
      ...(status.state === 'completed' ? { summary: status.result as ReindexSummary } : {}),
      ...(status.failedReason ? { failedReason: status.failedReason } : {}),
      ...(status.progress?.message && data.step === 'plan' ? { message: status.progress.message } : {}),
    };
  }
}
