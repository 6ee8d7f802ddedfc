import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CatalogModule } from '@vitrine/catalog';
import { ConfigModule, type AppConfig } from '@vitrine/core';
import { EmbeddingModule } from '@vitrine/embedding';
import { VectorsModule } from '@vitrine/vectors';
import { SEARCH_MIGRATIONS, SearchModule, type SearchModuleOptions } from '@vitrine/search';

/** Search as the API composes it, under `config` (the benchmarks' application context). */
@Module({})
class SearchBenchModule {
  static forRoot(config: AppConfig, search: SearchModuleOptions): DynamicModule {
    return {
      module: SearchBenchModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot({ migrations: SEARCH_MIGRATIONS }),
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
        SearchModule.forRoot(search),
      ],
    };
  }
}

/**
 * Runs `work` in a search application context under `config` (and `search`'s module options), closed afterwards
 * (the embedded store allows one at a time).
 */
export async function withSearch<T>(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<T>,
  search: SearchModuleOptions = {},
): Promise<T> {
  const app = await NestFactory.createApplicationContext(SearchBenchModule.forRoot(config, search), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

/** Prints `rows` (the first is the header) as a Markdown table: two text columns, then right-aligned figures. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  rows.forEach((r, i) => {
    console.log(
      `| ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
    );
    if (i === 0)
      console.log(
        `|${widths.map((wd, c) => (c < 2 ? '-'.repeat(wd + 2) : '-'.repeat(wd + 1) + ':')).join('|')}|`,
      );
  });
}
