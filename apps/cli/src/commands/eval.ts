import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { CatalogImportService } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { IndexingScheduler, InProcessJobQueue, JOB_QUEUE } from '@vitrine/indexing';
import { SearchService } from '@vitrine/search';
import {
  buildRetrievalReport,
  evaluateSearch,
  readCatalogProducts,
  readEvalQueryFiles,
  Thumbnailer,
  type EvaluationReport,
  type ReportProduct,
  type RetrievalMetrics,
} from '@vitrine/evaluation';
import { openCliContext } from '../cli.module';

export interface EvalArgs {
  readonly catalog: string;
  /** One or more queries files (e.g. English and Chinese), evaluated as one set. */
  readonly queries: readonly string[];
  readonly model?: string;
  readonly json: boolean;
  readonly rerank: boolean;
  readonly depth: number;
  /** Write a self-contained HTML report here. */
  readonly report?: string;
}

/**
 * `vitrine eval`: imports a catalog into a throw-away embedded setup (PGlite + embedded vectors in a temp folder),
 * indexes it with the product's indexer, runs every query through the product's search and prints the retrieval
 * metrics per query kind and per language. Nothing configured (DATABASE_URL, QDRANT_URL, …) is touched. `--report`
 * also writes one self-contained HTML file: recall@K curves, categories, languages and the worst queries in pictures.
 */
export async function runEval(
  args: EvalArgs,
  base: AppConfig,
  out: NodeJS.WritableStream,
  err: NodeJS.WriteStream | NodeJS.WritableStream,
): Promise<number> {
  const queries = await readEvalQueryFiles(args.queries);
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
      queries: { files: args.queries.map((f) => resolve(f)), count: queries.length },
      rerank: args.rerank,
      depth: result.depth,
      msPerQuery: Number(result.msPerQuery.toFixed(2)),
      ...(result.text ? { text: round(result.text) } : {}),
      ...(result.image ? { image: round(result.image) } : {}),
      byLang: Object.fromEntries(
        Object.entries(result.byLang).map(([lang, kinds]) => [
          lang,
          {
            ...(kinds.text ? { text: round(kinds.text) } : {}),
            ...(kinds.image ? { image: round(kinds.image) } : {}),
          },
        ]),
      ),
    };
    if (args.report) {
      const file = resolve(args.report);
      writeFileSync(
        file,
        await buildRetrievalReport(
          {
            model: summary.model,
            catalog: { file: args.catalog, products: report.accepted },
            queryFiles: args.queries,
            rerank: args.rerank,
            result,
            products: reportProducts(args.catalog),
            generatedAt: new Date(),
          },
          new Thumbnailer(),
        ),
      );
      log(`report written to ${file}`);
    }
    if (args.json) out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else out.write(table(summary) + languageTable(result));
    return 0;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The catalog file's products as the report shows them (titles, categories, local pictures). */
function reportProducts(catalog: string): Map<string, ReportProduct> {
  return new Map(
    readCatalogProducts(catalog).map((p) => {
      const uri = p.images[0]?.uri;
      return [
        p.sku,
        {
          sku: p.sku,
          title: p.title,
          category: p.category,
          ...(uri?.startsWith('file:') ? { image: fileURLToPath(uri) } : {}),
        },
      ];
    }),
  );
}

/** The same metrics per language of the queries (a query without "lang" counts as en). */
function languageTable(result: EvaluationReport): string {
  const keys = ['n', 'R@1', 'R@5', 'R@10', 'MedR', 'MRR', 'nDCG@10'] as const;
  const rows = Object.entries(result.byLang).flatMap(([lang, kinds]) =>
    (['text', 'image'] as const).flatMap((k) => {
      const m = kinds[k];
      return m ? [[lang, k, ...keys.map((key) => String(Number(m[key].toFixed(4))))]] : [];
    }),
  );
  return `\nby language\n${align([['lang', 'kind', ...keys], ...rows], 2)}`;
}

function align(all: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return (
    all
      .map((r) =>
        r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
      )
      .join('\n') + '\n'
  );
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
  return (
    `model ${s.model}, rerank ${s.rerank ? 'on' : 'off'}, ranks read to depth ${s.depth}\n` +
    align([['kind', ...keys], ...rows])
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
      'queries JSONL: {"id","text"?|"image"?,"relevant":[sku,...],"filters"?,"lang"?}; repeat for several files',
      (v: string, previous: string[] | undefined) => [...(previous ?? []), v],
    )
    .option('--model <dir>', 'model directory (default MODEL_DIR)')
    .option('--json', 'print JSON', false)
    .option('--no-rerank', 'first stage only (fusion, no reranker)')
    .option('--depth <n>', 'ranks read per query; a miss counts as depth + 1', (v) => Number(v), 100)
    .option(
      '--report <file>',
      'also write a self-contained HTML report (curves, categories, languages, failures)',
    )
    .action(
      async (o: {
        catalog: string;
        queries: string[];
        model?: string;
        json: boolean;
        rerank: boolean;
        depth: number;
        report?: string;
      }) => {
        process.exitCode = await runEval(
          {
            catalog: o.catalog,
            queries: o.queries,
            json: o.json,
            rerank: o.rerank,
            depth: o.depth,
            ...(o.model ? { model: o.model } : {}),
            ...(o.report ? { report: o.report } : {}),
          },
          loadConfig(),
          process.stdout,
          process.stderr,
        );
      },
    );
}
