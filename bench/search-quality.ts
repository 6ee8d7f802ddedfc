// npm run bench:search-quality
// Imports and indexes the demo catalog into a fresh PostgreSQL database (TEST_DATABASE_URL's server) and an embedded
// vector store, then runs the evaluation queries (data/demo-catalog/queries.jsonl: CLDR names as text, OpenMoji
// renderings as images — a style the demo model never saw) through SearchService with reranking off and on, and
// prints R@1/R@5/R@10/nDCG@10/MRR per query kind. Variants isolate what each part of the pipeline adds.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import {
  computeRetrievalMetrics,
  createSearchService,
  type RankedQuery,
  type RetrievalMetrics,
  type SearchService,
} from '@vitrine/search';
import type { AppConfig } from '@vitrine/core';
import { DEMO_DIR, startDemoSearchStack } from '../test/api/search-stack';

interface EvalQuery {
  readonly id: string;
  readonly text?: string;
  readonly image?: string;
  readonly relevant: readonly string[];
}

const DEPTH = 10;

async function main(): Promise<void> {
  const started = Date.now();
  const stack = await startDemoSearchStack();
  console.log(`demo catalog imported and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  try {
    const queries = readFileSync(join(DEMO_DIR, 'queries.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EvalQuery);
    const text = queries.filter((q) => q.text !== undefined);
    const image = queries.filter((q) => q.image !== undefined);
    const images = new Map(image.map((q) => [q.id, readFileSync(join(DEMO_DIR, q.image!))]));
    const deps = {
      db: stack.app.get<CatalogDatabase>(CATALOG_DATABASE),
      embedder: stack.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER),
      store: stack.app.get<VectorStore>(VECTOR_STORE),
    };
    const base = stack.config;
    const variant = (search: Partial<AppConfig['search']>) =>
      createSearchService({ ...base, search: { ...base.search, ...search } }, deps).service;

    const rows: [string, string, RetrievalMetrics, number][] = [];
    const run = async (label: string, service: SearchService, rerank: boolean) => {
      for (const [kind, list] of [
        ['text', text],
        ['image', image],
      ] as const) {
        const ranked: RankedQuery[] = [];
        const t = performance.now();
        for (const q of list) {
          const page =
            kind === 'text'
              ? await service.searchText({ query: q.text!, limit: DEPTH, rerank })
              : await service.searchImage({ image: images.get(q.id)!, limit: DEPTH, rerank });
          ranked.push({ ranking: page.items.map((i) => i.sku), relevant: q.relevant });
        }
        const msPerQuery = (performance.now() - t) / list.length;
        rows.push([label, kind, computeRetrievalMetrics(ranked, 483), msPerQuery]);
      }
    };
    const fts = base.search.weights;
    await run('vectors only (no FTS), fused', variant({ weights: { ...fts, lexical: 0 } }), false);
    await run('vectors + FTS, RRF (rerank off)', variant({}), false);
    await run('vectors + FTS, RRF + rerank (default)', variant({}), true);
    await run('  rerank + MMR λ=0.8', variant({ mmrLambda: 0.8 }), true);
    await run('  rerank, no business boosts', variant({ boostInStock: 0, boostPopularity: 0 }), true);

    console.log(
      `${text.length} text queries, ${image.length} image queries, 482 products; metrics over the top ${DEPTH}\n`,
    );
    const header = ['pipeline', 'queries', 'R@1', 'R@5', 'R@10', 'nDCG@10', 'MRR', 'ms/query'];
    const body = rows.map(([label, kind, m, ms]) => [
      label,
      kind,
      m['R@1'].toFixed(3),
      m['R@5'].toFixed(3),
      m['R@10'].toFixed(3),
      m['nDCG@10'].toFixed(3),
      m.MRR.toFixed(3),
      ms.toFixed(1),
    ]);
    printTable([header, ...body]);
  } finally {
    await stack.close();
  }
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(
      `| ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
    );
    if (i === 0)
      console.log(
        `|${widths.map((w, c) => (c < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`,
      );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
