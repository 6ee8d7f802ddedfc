// npm run bench:query-understanding
// What query understanding changes in retrieval: imports and indexes the demo catalog (as bench:search-quality
// does), adds the demo synonym sets (data/demo-catalog/synonyms.json), then runs the demo text queries through
// SearchService twice — with the words as typed (LiteralQueryUnderstanding) and with CatalogQueryUnderstanding
// (spelling, compounds, synonyms) — on the clean queries and on a typo'd copy of each: the query's longest word of
// 5+ letters with its middle letter left out ("umbrella" → "umbrlla"), the commonest kind of typing slip.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiteralQueryUnderstanding, SearchService, SynonymService } from '@vitrine/search';
import { evaluateSearch, readEvalQueries, type EvalQuery } from '@vitrine/evaluation';
import { DEMO_DIR, indexDemoCatalog } from '../test/api/search-stack';
import { withSearch } from './support/search-app';

/** The query with its longest word of 5+ letters missing its middle letter; undefined when it has none. */
export function withTypo(text: string): string | undefined {
  const words = [...text.matchAll(/\p{L}{5,}/gu)];
  if (words.length === 0) return undefined;
  const longest = words.reduce((a, b) => (b[0].length > a[0].length ? b : a));
  const at = longest.index + Math.floor(longest[0].length / 2);
  return text.slice(0, at) + text.slice(at + 1);
}

async function main(): Promise<void> {
  const demo = await indexDemoCatalog();
  try {
    const all = await readEvalQueries(join(DEMO_DIR, 'queries.jsonl'));
    const clean = all.filter((q) => q.text !== undefined);
    const typos: EvalQuery[] = clean.flatMap((q) => {
      const text = withTypo(q.text!);
      return text ? [{ ...q, id: `${q.id}-typo`, text }] : [];
    });
    const sets = JSON.parse(readFileSync(join(DEMO_DIR, 'synonyms.json'), 'utf8')) as string[][];
    await withSearch(demo.config, async (app) => {
      for (const terms of sets) await app.get(SynonymService).create(terms);
    });
    const rows = [
      ['query understanding', 'queries', 'n', 'R@1', 'R@5', 'R@10', 'MRR', 'no result', 'ms/query'],
    ];
    for (const [label, options] of [
      ['as typed (literal)', { queryUnderstanding: LiteralQueryUnderstanding }],
      ['catalog (default)', {}],
    ] as const) {
      for (const [kind, queries] of [
        ['clean', clean],
        ["typo'd", typos],
      ] as const) {
        const report = await withSearch(
          demo.config,
          (app) => evaluateSearch(app.get(SearchService), queries, { depth: 100 }),
          options,
        );
        const m = report.text!;
        const empty = await withSearch(
          demo.config,
          async (app) => {
            let n = 0;
            for (const q of queries)
              if ((await app.get(SearchService).searchText({ query: q.text!, limit: 1 })).items.length === 0)
                n++;
            return n;
          },
          options,
        );
        rows.push([
          label,
          kind,
          String(queries.length),
          m['R@1'].toFixed(3),
          m['R@5'].toFixed(3),
          m['R@10'].toFixed(3),
          m.MRR.toFixed(3),
          String(empty),
          report.msPerQuery.toFixed(1),
        ]);
        console.log(`${label}, ${kind}: done`);
      }
    }
    console.log('');
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  } finally {
    await demo.drop();
  }
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
