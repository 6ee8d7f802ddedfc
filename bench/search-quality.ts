// npm run bench:search-quality [-- --depth 100]
// Imports and indexes the demo catalog into a fresh PostgreSQL database (TEST_DATABASE_URL's server) and an embedded
// vector store, then runs the evaluation queries (data/demo-catalog/queries.jsonl: CLDR names as text, OpenMoji
// renderings as images — a style the demo model never saw) through SearchService with the evaluator
// (evaluateSearch: R@K, MedR, MeanR, MRR, nDCG@10 per query kind), pipeline variant by variant: vectors alone,
// full-text alone, both fused by RRF, the reranker on top, and what the products' text vectors, MMR and the
// business boosts change. Each variant is a configuration: it runs in its own Nest application context, composed of
// the modules the API composes for search, over the same database and vector store.
import 'reflect-metadata';
import { join } from 'node:path';
import type { AppConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { SearchService } from '@vitrine/search';
import { evaluateSearch, readEvalQueries, type RetrievalMetrics } from '@vitrine/evaluation';
import { DEMO_DIR, indexDemoCatalog } from '../test/api/search-stack';
import { printTable, withSearch } from './support/search-app';

const depthArg = process.argv.indexOf('--depth');
const DEPTH = depthArg > 0 ? Number(process.argv[depthArg + 1]) : 100;

async function main(): Promise<void> {
  const started = Date.now();
  const demo = await indexDemoCatalog();
  console.log(`demo catalog imported and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const queries = await readEvalQueries(join(DEMO_DIR, 'queries.jsonl'));
    const modelId = await withSearch(demo.config, (app) =>
      Promise.resolve(app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId),
    );
    console.log(`model ${modelId}; ${queries.length} queries; rankings read ${DEPTH} deep\n`);
    const base = demo.config.search;
    const w = base.weights;
    const variants: [string, Partial<AppConfig['search']>, boolean, readonly ('text' | 'image')[]][] = [
      [
        'image vectors only, no rerank',
        { weights: { image: 1, text: 0, lexical: 0 } },
        false,
        ['text', 'image'],
      ],
      ['full-text only, no rerank', { weights: { image: 0, text: 0, lexical: 1 } }, false, ['text']],
      ['image vectors + full-text, RRF, no rerank', {}, false, ['text', 'image']],
      ['image vectors + full-text, RRF + rerank (default)', {}, true, ['text', 'image']],
      ['  + text vectors (SEARCH_WEIGHT_TEXT=1)', { weights: { ...w, text: 1 } }, true, ['text', 'image']],
      ['  + text vectors, no rerank', { weights: { ...w, text: 1 } }, false, ['text', 'image']],
      ['  + MMR λ=0.8', { mmrLambda: 0.8 }, true, ['text', 'image']],
      ['  without stock/popularity boosts', { boostInStock: 0, boostPopularity: 0 }, true, ['text', 'image']],
      // The pool is SEARCH_CANDIDATES rounded up to the depth read, so these differ only with --depth below it.
      ['  SEARCH_CANDIDATES=50', { candidates: 50 }, true, ['text', 'image']],
      ['  SEARCH_CANDIDATES=25', { candidates: 25 }, true, ['text', 'image']],
    ];
    const rows: string[][] = [
      ['pipeline', 'queries', 'R@1', 'R@5', 'R@10', 'nDCG@10', 'MRR', 'MedR', 'ms/query'],
    ];
    for (const [label, search, rerank, kinds] of variants) {
      const selected = queries.filter((q) => kinds.includes(q.image !== undefined ? 'image' : 'text'));
      const config: AppConfig = { ...demo.config, search: { ...base, ...search } };
      const report = await withSearch(config, (app) =>
        evaluateSearch(app.get(SearchService), selected, { depth: DEPTH, rerank }),
      );
      for (const kind of kinds) {
        const m: RetrievalMetrics | undefined = report[kind];
        if (!m) continue;
        rows.push([
          label,
          kind,
          m['R@1'].toFixed(3),
          m['R@5'].toFixed(3),
          m['R@10'].toFixed(3),
          m['nDCG@10'].toFixed(3),
          m.MRR.toFixed(3),
          String(m.MedR),
          report.msPerQuery.toFixed(1),
        ]);
      }
      console.log(`${label}: done`);
    }
    console.log('');
    printTable(rows);
  } finally {
    await demo.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
