import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { IndexOutboxRepository, IndexStateRepository, type IndexFailurePage } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import {
  IndexingScheduler,
  JOB_QUEUE,
  LiveCollections,
  OutboxRelay,
  StoreReconciler,
  type JobQueue,
  type ReindexProgress,
  type StoreAudit,
} from '@vitrine/indexing';
import { openCliContext } from '../cli.module';

export interface IndexIo {
  readonly config: AppConfig;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** `vitrine index status`: products per index state for the configured model, the queue, the live collection. */
export async function runIndexStatus(io: IndexIo, json: boolean): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    const modelId = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId;
    const store = app.get<VectorStore>(VECTOR_STORE);
    const states = app.get(IndexStateRepository);
    const counts = await states.counts(modelId);
    const failures = await states.failures(modelId, { limit: STATUS_FAILURES });
    const outbox = await app.get(IndexOutboxRepository).backlog();
    // The queue being down is worth reporting, not a reason to report nothing.
    const queue = await app
      .get<JobQueue>(JOB_QUEUE)
      .counts()
      .catch((e: unknown) => ({ unreachable: e instanceof Error ? e.message : String(e) }));
    const collection = await store.resolveAlias(PRODUCTS_ALIAS);
    const vectors = collection ? await store.count(collection) : 0;
    // What the store really holds, product by product: the index state alone can be wrong after a damaged store file.
    const audit = await app.get(StoreReconciler).audit();
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ modelId, products: counts, failures, outbox, queue, collection: collection ?? null, vectors, store: audit })}\n`,
      );
      return 0;
    }
    io.stdout.write(
      [
        `model       ${modelId}`,
        `collection  ${collection ?? '(none yet)'} (${vectors} products with vectors)`,
        ...storeLines(audit),
        `indexed     ${counts.indexed}${counts.stale ? ` (${counts.stale} stale: content changed since)` : ''}` +
          (audit.unfounded
            ? `; ${audit.unfounded} of them without those vectors in the store (\`index sync\` re-queues them)`
            : ''),
        `pending     ${counts.pending}`,
        `missing     ${counts.missing}`,
        `failed      ${counts.failed}${counts.failed ? '  (`index sync --retry-failed` retries them)' : ''}`,
        ...failureLines(failures),
        `outbox      ${outbox.pending} change${outbox.pending === 1 ? '' : 's'} waiting for the queue` +
          (outbox.oldestAgeSeconds === null ? '' : ` (oldest ${outbox.oldestAgeSeconds.toFixed(0)} s)`),
        'unreachable' in queue
          ? `queue       unreachable: ${queue.unreachable}`
          : `queue       ${queue.waiting} waiting, ${queue.active} active, ${queue.delayed} delayed, ${queue.failed} failed`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await app.close();
  }
}

/** The store compared with the catalog, and any damage it repaired while opening. */
function storeLines(a: StoreAudit): string[] {
  return [
    `store       current vectors for ${a.current} of ${a.products} products: ${a.missing} missing, ` +
      `${a.stale} stale, ${a.orphans} orphaned` +
      (a.outdatedPayload ? `; ${a.outdatedPayload} with an outdated price/stock/attributes payload` : ''),
    ...a.damage.map(
      (d) =>
        `  damaged ${d.file} (${d.reason}): kept ${d.recordsKept} records, dropped ${d.recordsLost} ` +
        `(${d.bytesDiscarded} bytes)${d.copy ? `, copy in ${d.copy}` : ''}`,
    ),
  ];
}

/** Failures `index status` lists; the admin API pages through the rest. */
const STATUS_FAILURES = 10;
/** Characters of a failure's reason `index status` shows (the whole reason is in --json and the admin API). */
const REASON_CHARS = 200;

function failureLines(failures: IndexFailurePage): string[] {
  const lines = failures.items.map((f) => {
    const reason = f.reason.length > REASON_CHARS ? `${f.reason.slice(0, REASON_CHARS)}…` : f.reason;
    return `  ${f.sku}  ${reason}`;
  });
  const more = failures.total - failures.items.length;
  if (more > 0) lines.push(`  … and ${more} more (--json, or GET /v1/admin/index/failures)`);
  return lines;
}

/**
 * `vitrine index sync`: reconciles the vector store with the catalog (see `StoreReconciler`): removes the vectors
 * of products no longer in the catalog and queues every product whose vectors are missing or stale, including
 * those the index state calls indexed that the store lost. Embedded, it indexes them in
 * this process and shows progress; with Redis it enqueues for the indexer processes and returns.
 */
export async function runIndexSync(io: IndexIo, retryFailed: boolean): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    await app.get(LiveCollections).ensure();
    const queue = app.get<JobQueue>(JOB_QUEUE);
    // Catalog changes still in the outbox first (an import while the queue was down, or with no API running).
    const relayed = await app.get(OutboxRelay).relayAll();
    if (relayed)
      io.stdout.write(`relayed ${relayed} catalog change${relayed === 1 ? '' : 's'} from the index outbox\n`);
    const {
      audit,
      orphansRemoved: removed,
      requeued,
      queued,
    } = await app.get(StoreReconciler).reconcile({ retryFailed });
    for (const line of storeLines(audit).slice(1)) io.stdout.write(`${line.trim()}\n`);
    if (removed)
      io.stdout.write(
        `removed the vectors of ${removed} product${removed === 1 ? '' : 's'} no longer in the catalog\n`,
      );
    if (requeued)
      io.stdout.write(
        `${requeued} product${requeued === 1 ? ' was' : 's were'} marked indexed but had no current vectors in the store\n`,
      );
    io.stdout.write(`queued ${queued} product${queued === 1 ? '' : 's'} with missing or stale vectors\n`);
    if (io.config.queue.kind === 'redis' || queued === 0) return 0;
    const bar = progressBar(io, 'indexing');
    bar.start(queued, 0);
    for (;;) {
      // What is still open, not what has finished: a finished one-product job is forgotten at once.
      const c = await queue.counts();
      const open = c.waiting + c.active + c.delayed;
      bar.update(Math.max(0, queued - open));
      if (open === 0) break;
      await sleep(250);
    }
    bar.stop();
    const counts = await app
      .get(IndexStateRepository)
      .counts(app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId);
    io.stdout.write(
      `indexed ${counts.indexed}, failed ${counts.failed}, pending ${counts.pending + counts.missing}\n`,
    );
    return counts.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

/**
 * `vitrine reindex`: a zero-downtime full reindex (new collection, alias switch). Shows a progress bar with ETA
 * until the alias has switched, unless `--detach`.
 */
export async function runReindex(io: IndexIo, detach: boolean): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    await app.get(LiveCollections).ensure();
    const scheduler = app.get(IndexingScheduler);
    const jobId = await scheduler.startReindex();
    io.stdout.write(`full reindex started: job ${jobId}\n`);
    if (detach) return 0;
    const bar = progressBar(io, 'reindex');
    let started = false;
    let last: ReindexProgress | undefined;
    for (;;) {
      last = await scheduler.reindexProgress(jobId);
      if (last?.total && !started) {
        bar.start(last.total, 0, { eta_formatted: '…' });
        started = true;
      }
      if (started && last) bar.update(last.done);
      if (!last || last.state === 'completed' || last.state === 'failed') break;
      await sleep(250);
    }
    bar.stop();
    if (last?.state !== 'completed') {
      io.stderr.write(
        `reindex ${last?.state ?? 'vanished'}: ${last?.failedReason ?? 'no reason recorded'}\n`,
      );
      return 1;
    }
    const s = last.summary;
    io.stdout.write(
      `reindexed ${s?.products ?? last.total} products into ${s?.collection ?? last.collection ?? '?'} in ` +
        `${(s?.seconds ?? 0).toFixed(1)} s; the "${PRODUCTS_ALIAS}" alias now points to it` +
        (s?.dropped.length ? ` (dropped ${s.dropped.join(', ')})` : '') +
        (s?.failed ? `; ${s.failed} could not be indexed (reasons: vitrine index status)` : '') +
        '\n',
    );
    return 0;
  } finally {
    await app.close();
  }
}

/** `vitrine index …` and `vitrine reindex`. */
export function registerIndexingCommands(program: Command): void {
  const index = program.command('index').description('the vector index of the catalog');
  index
    .command('status')
    .description(
      'products per index state for the configured model, what the vector store really holds (missing, stale), ' +
        'queue depth, live collection',
    )
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => {
      process.exitCode = await runIndexStatus(stdio(), o.json);
    });
  index
    .command('sync')
    .description(
      'reconcile the vector store with the catalog and index every product whose vectors are missing or stale ' +
        '(embedded: here, with progress)',
    )
    .option('--retry-failed', 'also retry products whose last attempt failed', false)
    .action(async (o: { retryFailed: boolean }) => {
      process.exitCode = await runIndexSync(stdio(), o.retryFailed);
    });
  program
    .command('reindex')
    .description('full reindex into a new collection, then an atomic alias switch (zero downtime)')
    .option('--detach', 'start it and return without waiting', false)
    .action(async (o: { detach: boolean }) => {
      process.exitCode = await runReindex(stdio(), o.detach);
    });
}

function stdio(): IndexIo {
  return { config: loadConfig(), stdout: process.stdout, stderr: process.stderr };
}

function progressBar(io: IndexIo, label: string): SingleBar {
  return new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} products | ETA {eta_formatted}`,
      stream: io.stderr,
      noTTYOutput: !io.stderr.isTTY,
      notTTYSchedule: 2000,
      etaBuffer: 50,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
