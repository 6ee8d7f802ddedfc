// npm run bench:multilingual
// Chinese queries on the demo catalog (issue 15): imports and indexes it (with its Chinese titles and descriptions,
// translations.zh) into a fresh PostgreSQL database and an embedded vector store, then runs
// data/demo-catalog/queries.zh.jsonl (the CLDR zh names of the text queries' products) three ways:
//   before   the model's vectors alone: all the pipeline had for Chinese before the catalog carried Chinese text and
//            full-text search segmented it (the demo model reads every Chinese character as [UNK]);
//   after    SearchService as the API runs it (segmented full-text search beside the vectors, whose evidence it
//            drops when the model cannot read the query);
//   after, full-text only (weights image 0, text 0, lexical 1);
// and the English text queries through SearchService, to show that English did not move. Then, offline on the
// catalog's Chinese titles, which segmentation of the documents works: jieba words alone, jieba words plus the
// characters of longer words (shipped), or character unigrams and bigrams without a dictionary — on the names, on
// one-character head nouns (鞋, 伞, 杯: every product whose Chinese title ends with it is relevant) and on Chinese
// phrases the catalog does not sell.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { ProductSearchRepository, TextSegmenter } from '@vitrine/catalog';
import type { AppConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, type VectorStore } from '@vitrine/vectors';
import { SearchService } from '@vitrine/search';
import { readEvalQueries, type EvalQuery } from '@vitrine/evaluation';
import { DEMO_DIR, indexDemoCatalog } from '../test/api/search-stack';
import { printTable, withSearch } from './support/search-app';

const DEPTH = 100;

interface Figures {
  readonly n: number;
  readonly r1: number;
  readonly r10: number;
  readonly mrr: number;
  /** Queries answered with no result at all. */
  readonly empty: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const demo = await indexDemoCatalog();
  console.log(`demo catalog imported and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const zh = await readEvalQueries(join(DEMO_DIR, 'queries.zh.jsonl'));
    const en = (await readEvalQueries(join(DEMO_DIR, 'queries.jsonl'))).filter((q) => q.text !== undefined);
    const rows: string[][] = [['queries', 'pipeline', 'n', 'R@1', 'R@10', 'MRR', 'no answer']];
    const add = (label: string, pipeline: string, f: Figures): void => {
      rows.push([
        label,
        pipeline,
        String(f.n),
        f.r1.toFixed(3),
        f.r10.toFixed(3),
        f.mrr.toFixed(3),
        String(f.empty),
      ]);
    };
    await withSearch(demo.config, async (app) => {
      console.log(`model ${app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId}`);
      add('zh', 'before: the vectors alone (image)', await vectorsOnly(app, zh));
      add('zh', 'after: SearchService (default)', await throughSearch(app, zh));
      add('en', 'SearchService (default)', await throughSearch(app, en));
    });
    const lexical: AppConfig = {
      ...demo.config,
      search: { ...demo.config.search, weights: { image: 0, text: 0, lexical: 1 } },
    };
    await withSearch(lexical, async (app) =>
      add('zh', 'after: full-text only', await throughSearch(app, zh)),
    );
    console.log('');
    printTable(rows);
    console.log('\nChinese queries whose product is not first (after, default):');
    for (const m of misses.filter((x) => x.lang === 'zh').slice(0, 15)) console.log(`  ${m.line}`);
    console.log('\nEnglish queries whose product is not first (default):');
    for (const m of misses.filter((x) => x.lang === 'en').slice(0, 25)) console.log(`  ${m.line}`);
    console.log('');
    segmentationVariants();
  } finally {
    await demo.drop();
  }
}

/** Rank of the relevant product in each query's ranking (null: not in it), summarised. */
function figures(ranks: readonly (number | null)[]): Figures {
  const n = ranks.length;
  const hit = (k: number) => ranks.filter((r) => r !== null && r <= k).length / n;
  const mrr = ranks.reduce<number>((s, r) => s + (r === null ? 0 : 1 / r), 0) / n;
  return { n, r1: hit(1), r10: hit(10), mrr, empty: 0 };
}

async function vectorsOnly(app: INestApplicationContext, queries: readonly EvalQuery[]): Promise<Figures> {
  const embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
  const store = app.get<VectorStore>(VECTOR_STORE);
  const catalog = app.get(ProductSearchRepository);
  const ranks: (number | null)[] = [];
  for (const q of queries) {
    const { vector } = await embedder.embedText(q.text!);
    const hits = await store.search(PRODUCTS_ALIAS, { vector: 'image', query: vector, limit: DEPTH });
    const skus = (await catalog.cards(hits.map((h) => h.id))).map((c) => c.sku);
    const at = skus.findIndex((s) => q.relevant.includes(s));
    ranks.push(at === -1 ? null : at + 1);
  }
  return figures(ranks);
}

/** Queries whose product is not first through SearchService (default weights), Chinese and English. */
const misses: { lang: 'zh' | 'en'; line: string }[] = [];
let recorded = new Set<string>();

async function throughSearch(app: INestApplicationContext, queries: readonly EvalQuery[]): Promise<Figures> {
  const search = app.get(SearchService);
  const locale = queries[0]?.lang === 'zh' ? { locale: 'zh' } : {};
  const ranks: (number | null)[] = [];
  let empty = 0;
  const lang = queries[0]?.lang === 'zh' ? 'zh' : 'en';
  // Only the first pass of each language (the default pipeline) names its misses.
  const record = !recorded.has(lang);
  recorded = new Set([...recorded, lang]);
  for (const q of queries) {
    const page = await search.searchText({ query: q.text!, limit: DEPTH, ...locale });
    if (page.items.length === 0) empty++;
    const at = page.items.findIndex((i) => q.relevant.includes(i.sku));
    ranks.push(at === -1 ? null : at + 1);
    if (record && at !== 0)
      misses.push({
        lang,
        line: `${q.text} → rank ${at === -1 ? '-' : at + 1}; first: ${page.items[0]?.title ?? '(none)'}`,
      });
  }
  return { ...figures(ranks), empty };
}

type Doc = ReadonlySet<string>;
interface Variant {
  readonly name: string;
  doc(title: string): Doc;
  matches(doc: Doc, query: string): boolean;
}

const HAN = /\p{Script=Han}/u;
const segmenter = new TextSegmenter();
/** Any query word present, or all of its characters (the shipped tsquery's semantics). */
const wordOrChars = (doc: Doc, query: string): boolean =>
  segmenter
    .segment(query, 'query')
    .words.some((w) => doc.has(w) || ([...w].length > 1 && [...w].every((c) => doc.has(c))));
const grams = (text: string): string[] => {
  const out: string[] = [];
  for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
    const c = [...run];
    out.push(...c);
    for (let i = 0; i + 1 < c.length; i++) out.push(c[i]! + c[i + 1]!);
  }
  return out;
};
const VARIANTS: readonly Variant[] = [
  {
    name: 'jieba words',
    doc: (t) => new Set(segmenter.segment(t).words),
    matches: (doc, q) => segmenter.segment(q, 'query').words.some((w) => doc.has(w)),
  },
  {
    name: 'jieba words + characters (shipped)',
    doc: (t) => {
      const s = segmenter.segment(t);
      return new Set([...s.words, ...s.parts, ...s.characters]);
    },
    matches: wordOrChars,
  },
  {
    name: 'unigrams + bigrams, no dictionary',
    doc: (t) => new Set(grams(t)),
    // Every bigram of the query (its character when it has one): an n-gram index's AND query.
    matches: (doc, q) => {
      const c = [...q].filter((x) => HAN.test(x));
      const need = c.length === 1 ? c : grams(q).filter((g) => g.length === 2);
      return need.length > 0 && need.every((g) => doc.has(g));
    },
  },
];

/** Offline: which products each variant's documents would match (no ranking), on the zh titles. */
function segmentationVariants(): void {
  const products = readFileSync(join(DEMO_DIR, 'products.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { sku: string; translations?: { zh?: { title: string } } })
    .map((p) => ({ sku: p.sku, title: p.translations?.zh?.title ?? '' }));
  const heads = new Map<string, string[]>();
  for (const p of products) {
    const last = [...p.title].at(-1) ?? '';
    if (HAN.test(last)) heads.set(last, [...(heads.get(last) ?? []), p.sku]);
  }
  const headQueries = [...heads].filter(([, skus]) => skus.length >= 3);
  const nonsense = ['量子力学', '宇宙飞船燃料', '房地产贷款', '选举结果', '天气预报'];
  const rows: string[][] = [
    [
      'documents (zh titles)',
      'names: own product matched',
      'names: products matched',
      `head nouns (${headQueries.length}): recall`,
      'head nouns: precision',
      'nonsense: products matched',
    ],
  ];
  for (const v of VARIANTS) {
    const docs = products.map((p) => ({ sku: p.sku, doc: v.doc(p.title) }));
    const hits = (q: string) => docs.filter((d) => v.matches(d.doc, q)).map((d) => d.sku);
    let found = 0;
    let matched = 0;
    for (const p of products) {
      const h = hits(p.title);
      if (h.includes(p.sku)) found++;
      matched += h.length;
    }
    let rel = 0;
    let relFound = 0;
    let got = 0;
    for (const [c, skus] of headQueries) {
      const h = hits(c);
      rel += skus.length;
      relFound += h.filter((s) => skus.includes(s)).length;
      got += h.length;
    }
    const junk = nonsense.reduce((n, q) => n + hits(q).length, 0);
    rows.push([
      v.name,
      (found / products.length).toFixed(3),
      (matched / products.length).toFixed(1),
      (relFound / rel).toFixed(3),
      got ? (relFound / got).toFixed(3) : '-',
      String(junk),
    ]);
  }
  printTable(rows);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
