import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { CatalogImportService } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { IndexingScheduler, InProcessJobQueue, JOB_QUEUE } from '@vitrine/indexing';
import { SearchService } from '@vitrine/search';
import { evaluateSearch, readEvalQueries, type RetrievalMetrics } from '@vitrine/evaluation';
import { openCliContext } from '../cli.module';

export interface EvalArgs {
  readonly catalog: string;
  readonly queries: string;
  readonly model?: string;
  readonly json: boolean;
  readonly rerank: boolean;
  readonly depth: number;
}

/**
 * `vitrine eval`: imports a catalog into a throw-away embedded setup (PGlite + embedded vectors in a temp folder),
 * indexes it with the product's indexer, runs every query through the product's search and prints the retrieval
 * metrics per query kind. Nothing configured (DATABASE_URL, QDRANT_URL, …) is touched.
 */
export async function runEval(
  args: EvalArgs,
  base: AppConfig,
  out: NodeJS.WritableStream,
  err: NodeJS.WriteStream | NodeJS.WritableStream,
): Promise<number> {
  const queries = await readEvalQueries(args.queries);
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-eval-'));
  const config = loadConfig({
    DATA_DIR: dir,
    MODEL_DIR: args.model ?? base.embedding.modelDir,
    LOG_LEVEL: 'error',
    EMBEDDING_DEVICE: base.embedding.device,
    // Retrieval is measured: reading attributes from the pictures would only add time.
    ATTRIBUTE_EXTRACTION: 'false',
  });
  const log = (m: string) => void (args.json ? undefined : err.write(`${m}\n`));
  const app = await openCliContext(config, { indexing: { role: 'worker', syncAtBoot: false } });
  try {
    const t0 = performance.now();
    const report = await app.get(CatalogImportService).importFile(resolve(args.catalog));
    const queued = await app.get(IndexingScheduler).syncPending();
    await app.get<InProcessJobQueue>(JOB_QUEUE).drain();
    const indexSeconds = (performance.now() - t0) / 1000;
    log(
      `imported ${report.accepted} products (${report.rejected} rejected), indexed ${queued} in ${indexSeconds.toFixed(1)} s`,
    );

    const tty = !args.json && 'isTTY' in err && err.isTTY;
    const bar = new SingleBar(
      { format: 'queries [{bar}] {value}/{total}', stream: err, noTTYOutput: false },
      Presets.shades_classic,
    );
    if (tty) bar.start(queries.length, 0);
    const result = await evaluateSearch(app.get(SearchService), queries, {
      depth: args.depth,
      rerank: args.rerank,
      ...(tty ? { onQuery: (done: number) => bar.update(done) } : {}),
    });
    if (tty) bar.stop();
    const summary = {
      model: app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId,
      catalog: { file: resolve(args.catalog), products: report.accepted, rejected: report.rejected },
      queries: { file: resolve(args.queries), count: queries.length },
      rerank: args.rerank,
      depth: result.depth,
      msPerQuery: Number(result.msPerQuery.toFixed(2)),
      ...(result.text ? { text: round(result.text) } : {}),
      ...(result.image ? { image: round(result.image) } : {}),
    };
    if (args.json) out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else out.write(table(summary));
    return 0;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(m: RetrievalMetrics): RetrievalMetrics {
  return Object.fromEntries(
    Object.entries(m).map(([k, v]: [string, number]) => [k, Number(v.toFixed(4))]),
  ) as unknown as RetrievalMetrics;
}

function table(s: {
  model: string;
  text?: RetrievalMetrics;
  image?: RetrievalMetrics;
  rerank: boolean;
  depth: number;
}): string {
  const keys = ['n', 'R@1', 'R@5', 'R@10', 'MedR', 'MeanR', 'MRR', 'nDCG@10'] as const;
  const rows = (['text', 'image'] as const)
    .filter((k) => s[k])
    .map((k) => [k, ...keys.map((key) => String(s[k]![key]))]);
  const all = [['kind', ...keys], ...rows];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return (
    `model ${s.model}, rerank ${s.rerank ? 'on' : 'off'}, ranks read to depth ${s.depth}\n` +
    all
      .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
      .join('\n') +
    '\n'
  );
}

export function registerEvalCommands(program: Command): void {
  program
    .command('eval')
    .description(
      'retrieval quality (R@1/5/10, MedR, MeanR, MRR, nDCG@10) of a catalog + queries, in a throw-away embedded setup',
    )
    .requiredOption('--catalog <file>', 'catalog JSONL (the import format)')
    .requiredOption(
      '--queries <file>',
      'queries JSONL: {"id","text"?|"image"?,"relevant":[sku,...],"filters"?}',
    )
    .option('--model <dir>', 'model directory (default MODEL_DIR)')
    .option('--json', 'print JSON', false)
    .option('--no-rerank', 'first stage only (fusion, no reranker)')
    .option('--depth <n>', 'ranks read per query; a miss counts as depth + 1', (v) => Number(v), 100)
    .action(
      async (o: {
        catalog: string;
        queries: string;
        model?: string;
        json: boolean;
        rerank: boolean;
        depth: number;
      }) => {
        process.exitCode = await runEval(
          {
            catalog: o.catalog,
            queries: o.queries,
            json: o.json,
            rerank: o.rerank,
            depth: o.depth,
            ...(o.model ? { model: o.model } : {}),
          },
          loadConfig(),
          process.stdout,
          process.stderr,
        );
      },
    );
}
