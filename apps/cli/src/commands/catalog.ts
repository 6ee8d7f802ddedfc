import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '@vitrine/core';
import { runCatalogImport } from './catalog-import';
import { runSynonymsImport } from './catalog-synonyms';
import { runIndexSync } from './indexing';

/** `vitrine catalog …`: the product catalog in PostgreSQL (DATABASE_URL) or embedded PGlite (DATA_DIR). */
export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('product catalog (PostgreSQL, or embedded PGlite)');

  catalog
    .command('import')
    .description(
      'upsert products by SKU from a JSONL file (one product per line); bad lines are reported and skipped, ' +
        'and make the command exit with 1',
    )
    .argument('<file>', 'JSONL file; relative image paths resolve against its folder')
    .option('--dry-run', 'validate every line and count what would change, without writing', false)
    .option('--batch-size <n>', 'products per transaction', positiveInt, 500)
    .option(
      '--no-index',
      'only import; by default changed products are then indexed (embedded: here; with REDIS_URL: queued)',
    )
    .action(async (file: string, options: { dryRun: boolean; batchSize: number; index: boolean }) => {
      const io = { config: loadConfig(), stdout: process.stdout, stderr: process.stderr };
      const imported = await runCatalogImport(
        { file, dryRun: options.dryRun, batchSize: options.batchSize },
        io,
      );
      const indexed = options.index && !options.dryRun ? await runIndexSync(io, false) : 0;
      process.exitCode = Math.max(imported, indexed);
    });

  catalog
    .command('synonyms')
    .description(
      'add the synonym sets of a JSON file (an array of term arrays) that the catalog does not have yet; text ' +
        'search matches each term of a set with the others',
    )
    .argument('<file>', 'JSON file, e.g. data/demo-catalog/synonyms.json')
    .action(async (file: string) => {
      const io = { config: loadConfig(), stdout: process.stdout, stderr: process.stderr };
      process.exitCode = await runSynonymsImport({ file }, io);
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new InvalidArgumentError('expected an integer from 1 to 10000');
  }
  return n;
}
