import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, NotFoundError, type AppConfig } from '@vitrine/core';
import { ProductRepository } from '@vitrine/catalog';
import { AttributeExtractor, type ExtractionOutcome } from '@vitrine/attributes';
import { DESCRIPTION_STYLES, DescriptionService, type DescriptionStyle } from '@vitrine/descriptions';
import { VqaService } from '@vitrine/vqa';
import { openCliContext } from '../cli.module';
import { runEvalDescriptions, runEvalVqa, type EvalIo } from './insights-eval';

export interface InsightsIo extends EvalIo {
  readonly config: AppConfig;
}

/** `vitrine insights extract`: reads attributes from product pictures now (all products, or some SKUs). */
export async function runExtract(
  io: InsightsIo,
  options: { readonly skus: readonly string[]; readonly force: boolean },
): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    const extractor = app.get(AttributeExtractor);
    const products = app.get(ProductRepository);
    const counts: Record<ExtractionOutcome['status'], number> = {
      extracted: 0,
      unchanged: 0,
      missing: 0,
      'no-image': 0,
      failed: 0,
    };
    const run = async (id: string) => {
      const outcome = await extractor.extractProduct(id, { force: options.force });
      counts[outcome.status]++;
      if (outcome.status === 'failed') io.stderr.write(`${id}: ${outcome.reason}\n`);
    };
    if (options.skus.length > 0) {
      for (const sku of options.skus) {
        const p = await products.getBySku(sku);
        if (!p) throw new NotFoundError('product', sku);
        await run(p.id);
      }
    } else {
      const total = await products.count();
      const bar = new SingleBar(
        { format: 'attributes [{bar}] {value}/{total}', stream: io.stderr },
        Presets.shades_classic,
      );
      const tty = io.stderr.isTTY === true;
      if (tty) bar.start(total, 0);
      let done = 0;
      for await (const page of products.pages({ pageSize: 100 })) {
        // A few at a time: their image embeddings share model batches.
        for (let i = 0; i < page.length; i += 8) {
          await Promise.all(page.slice(i, i + 8).map((p) => run(p.id)));
          done += Math.min(8, page.length - i);
          if (tty) bar.update(done);
        }
      }
      if (tty) bar.stop();
    }
    io.stdout.write(
      `${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`,
    );
    return counts.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

/** `vitrine insights describe`: description drafts for every product lacking a description. */
export async function runDescribe(
  io: InsightsIo,
  options: { readonly style: DescriptionStyle; readonly limit: number },
): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    const result = await app.get(DescriptionService).generateMissing(options.style, options.limit, (n) => {
      if (io.stderr.isTTY && n % 50 === 0) io.stderr.write(`\r${n} drafts`);
    });
    if (io.stderr.isTTY) io.stderr.write('\r');
    io.stdout.write(
      `${result.generated} ${options.style} drafts generated, ${result.failed} skipped (deleted meanwhile), ` +
        `${result.remaining} products still lacking one\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

/** `vitrine insights ask`: one question about one product, as the API answers it. */
export async function runAsk(io: InsightsIo, sku: string, question: string, json: boolean): Promise<number> {
  const app = await openCliContext(io.config);
  try {
    const product = await app.get(ProductRepository).getBySku(sku);
    if (!product) throw new NotFoundError('product', sku);
    const a = await app.get(VqaService).askAboutProduct(product.id, question);
    io.stdout.write(
      json
        ? `${JSON.stringify(a, null, 2)}\n`
        : `${a.answer}\n  confidence ${a.confidence.toFixed(2)}, from ${a.source}${a.modelId ? ` (${a.modelId})` : ''}\n  ${a.explanation}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected an integer from 1 to ${max}`);
    return n;
  };
}

function style(value: string): DescriptionStyle {
  if (!(DESCRIPTION_STYLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${DESCRIPTION_STYLES.join(', ')}`);
  return value as DescriptionStyle;
}

function probability(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

const io = (): InsightsIo => ({ config: loadConfig(), stdout: process.stdout, stderr: process.stderr });

/** `vitrine insights …` (product Q&A, attributes, descriptions) and the `eval-vqa` / `eval-descriptions` evaluations. */
export function registerInsightsCommands(program: Command): void {
  const insights = program
    .command('insights')
    .description('product Q&A, attributes read from pictures, generated descriptions');

  insights
    .command('extract')
    .description('read attributes (colours, category, material, pattern, style) from product pictures now')
    .option('--sku <sku...>', 'only these products (default: every product)')
    .option('--force', 're-read pictures whose attributes are current', false)
    .action(async (o: { sku?: string[]; force: boolean }) => {
      process.exitCode = await runExtract(io(), { skus: o.sku ?? [], force: o.force });
    });

  insights
    .command('describe')
    .description(
      'the bulk job: description drafts for every product without a description (review them in the admin API)',
    )
    .requiredOption('--style <style>', DESCRIPTION_STYLES.join(' | '), style)
    .option('--limit <n>', 'most drafts to generate', positiveInt(1_000_000), 1_000_000)
    .action(async (o: { style: DescriptionStyle; limit: number }) => {
      process.exitCode = await runDescribe(io(), o);
    });

  insights
    .command('ask')
    .description('ask a question about a product, as POST /v1/products/:id/ask answers it')
    .argument('<sku>')
    .argument('<question...>')
    .option('--json', 'print the whole answer as JSON', false)
    .action(async (sku: string, words: string[], o: { json: boolean }) => {
      process.exitCode = await runAsk(io(), sku, words.join(' '), o.json);
    });

  program
    .command('eval-vqa')
    .description(
      'VQA accuracy per question type and the share of "I can\'t tell", on questions generated from the catalog\'s ' +
        'attributes about held-out pictures (and the catalog pictures)',
    )
    .option('--catalog <file>', 'catalog JSONL', 'data/demo-catalog/products.jsonl')
    .option(
      '--queries <file>',
      'queries JSONL whose image queries give each SKU its held-out picture',
      'data/demo-catalog/queries.jsonl',
    )
    .option(
      '--pictures <set>',
      'queries | catalog | both | none (none: only the truthfulness sets)',
      (v) => {
        if (!['queries', 'catalog', 'both', 'none'].includes(v))
          throw new InvalidArgumentError('expected queries, catalog, both or none');
        return v as 'queries' | 'catalog' | 'both' | 'none';
      },
      'both' as const,
    )
    .option(
      '--unknowable <file>',
      'questions neither catalog nor picture can settle (JSONL); "" to skip',
      'data/eval/vqa/unknowable.jsonl',
    )
    .option(
      '--catalog-text <file>',
      'questions the catalog text answers (JSONL); "" to skip',
      'data/eval/vqa/catalog-text.jsonl',
    )
    .option('--model <dir>', 'model directory (default MODEL_DIR)')
    .option(
      '--min-confidence <p>',
      'below it an answer is "I can\'t tell" (default VQA_MIN_CONFIDENCE)',
      probability,
    )
    .option(
      '--fit-calibration <file>',
      'fit temperature scales on half the products, report the other half, write them here',
    )
    .option(
      '--report <file>',
      'also write a self-contained HTML report (accuracy and abstention per type, confidently wrong answers)',
    )
    .option('--json', 'print JSON', false)
    .action(
      async (o: {
        catalog: string;
        queries: string;
        pictures: 'queries' | 'catalog' | 'both' | 'none';
        model?: string;
        minConfidence?: number;
        fitCalibration?: string;
        unknowable: string;
        catalogText: string;
        report?: string;
        json: boolean;
      }) => {
        process.exitCode = await runEvalVqa(o, loadConfig(), {
          stdout: process.stdout,
          stderr: process.stderr,
        });
      },
    );

  program
    .command('eval-descriptions')
    .description(
      'BLEU-1..4, ROUGE-L and CIDEr-D (coco-caption conventions) of generated descriptions against references',
    )
    .requiredOption('--catalog <file>', 'catalog JSONL')
    .option(
      '--references <file>',
      'JSONL of {"sku", "references": [...]} (default: the catalog\'s own descriptions)',
    )
    .option('--style <style...>', `${DESCRIPTION_STYLES.join(' | ')} (default: all)`)
    .option('--json', 'print JSON', false)
    .action(async (o: { catalog: string; references?: string; style?: string[]; json: boolean }) => {
      const styles = (o.style ?? [...DESCRIPTION_STYLES]).map(style);
      process.exitCode = await runEvalDescriptions(
        { catalog: o.catalog, styles, json: o.json, ...(o.references ? { references: o.references } : {}) },
        loadConfig(),
        { stdout: process.stdout, stderr: process.stderr },
      );
    });
}
