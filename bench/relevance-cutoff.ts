// npm run bench:relevance-cutoff [-- --write]
// Calibrates the text search's relevance cutoff (docs/search.md, "Relevance cutoff"): a candidate is kept when its
// words match the query (full text) or its vector's cosine similarity to the query embedding reaches a threshold.
// Indexes the demo catalog (fresh database and embedded store), then for every demo text query (each names its
// relevant SKU) and ~200 fixed nonsense queries (random letters, keyboard mashes, other domains' words) reads each
// product's similarity and the full-text matches, and sweeps the threshold:
//   recall    = share of demo queries whose relevant product survives the cutoff;
//   precision = share of queries answered with a non-empty result that are real queries (nonsense must be empty).
// The chosen threshold (per vector: image, text) is the lowest one whose precision reaches 0.95 with the highest
// recall; `--write` stores it in <MODEL_DIR>/vitrine-search-calibration.json for the model.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CatalogModule, ProductSearchRepository } from '@vitrine/catalog';
import { ConfigModule, type AppConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, EmbeddingModule, type EmbeddingProvider } from '@vitrine/embedding';
import { PRODUCTS_ALIAS, VECTOR_STORE, VectorsModule, type VectorStore } from '@vitrine/vectors';
import { readEvalQueries } from '@vitrine/evaluation';
import { nonsenseQueries, SEARCH_CALIBRATION_FILE } from '@vitrine/search';
import { DEMO_DIR, indexDemoCatalog } from '../test/api/search-stack';

const TARGET_PRECISION = 0.95;

interface Observation {
  readonly real: boolean;
  /** Real queries: the relevant product's similarity per vector and whether its words match. */
  readonly relevant?: { readonly image: number; readonly text: number; readonly lexical: boolean };
  /** Best similarity of any product per vector, and whether any product's words match. */
  readonly best: { readonly image: number; readonly text: number };
  readonly anyLexical: boolean;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const demo = await indexDemoCatalog();
  try {
    const queries = (await readEvalQueries(join(DEMO_DIR, 'queries.jsonl'))).filter(
      (q) => q.text !== undefined,
    );
    const nonsense = nonsenseQueries(200);
    const app = await NestFactory.createApplicationContext(Bench.forRoot(demo.config), { logger: ['error'] });
    let modelId: string;
    const obs: Observation[] = [];
    try {
      const embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
      const store = app.get<VectorStore>(VECTOR_STORE);
      const catalog = app.get(ProductSearchRepository);
      modelId = embedder.modelId;
      const skuOf = new Map<string, string>();
      const observe = async (text: string, relevantSku: string | undefined): Promise<Observation> => {
        const { vector } = await embedder.embedText(text);
        const sims = { image: new Map<string, number>(), text: new Map<string, number>() };
        for (const name of ['image', 'text'] as const) {
          for (const h of await store.search(PRODUCTS_ALIAS, { vector: name, query: vector, limit: 1000 })) {
            sims[name].set(h.id, h.score);
            if (typeof h.payload.sku === 'string') skuOf.set(h.id, h.payload.sku);
          }
        }
        const lexical = new Set((await catalog.lexicalSearch(text, {}, 1000)).map((h) => h.id));
        const best = {
          image: Math.max(-1, ...sims.image.values()),
          text: Math.max(-1, ...sims.text.values()),
        };
        if (relevantSku === undefined) return { real: false, best, anyLexical: lexical.size > 0 };
        const id = [...skuOf].find(([, sku]) => sku === relevantSku)?.[0];
        return {
          real: true,
          best,
          anyLexical: lexical.size > 0,
          relevant: {
            image: id ? (sims.image.get(id) ?? -1) : -1,
            text: id ? (sims.text.get(id) ?? -1) : -1,
            lexical: id !== undefined && lexical.has(id),
          },
        };
      };
      for (const q of queries) obs.push(await observe(q.text!, q.relevant[0]));
      for (const q of nonsense) obs.push(await observe(q, undefined));
    } finally {
      await app.close();
    }
    const real = obs.filter((o) => o.real).length;
    for (const vector of ['image', 'text'] as const) {
      const q = (xs: number[]): string =>
        [0.05, 0.25, 0.5, 0.75, 0.95]
          .map((p) => xs.sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!.toFixed(3))
          .join(' ');
      console.log(
        `${vector}: relevant similarity p5..p95 ${q(obs.filter((o) => o.real).map((o) => o.relevant![vector]))}`,
      );
      console.log(
        `${vector}: nonsense best similarity p5..p95 ${q(obs.filter((o) => !o.real).map((o) => o.best[vector]))}`,
      );
    }
    console.log(`model ${modelId}; ${real} demo text queries, ${obs.length - real} nonsense queries\n`);
    const weights = demo.config.search.weights;
    const fit: Record<string, { threshold: number; recall: number; precision: number }> = {};
    for (const vector of ['image', 'text'] as const) {
      console.log(`${vector} vectors (weight ${weights[vector]}) + full text:`);
      console.log('| threshold | recall | precision | nonsense answered |');
      console.log('|---:|---:|---:|---:|');
      let chosen: { threshold: number; recall: number; precision: number } | undefined;
      for (let t = 0; t <= 1.0001; t += 0.005) {
        const m = measure(obs, vector, t);
        if (Math.round(t * 1000) % 50 === 0)
          console.log(`| ${t.toFixed(3)} | ${pct(m.recall)} | ${pct(m.precision)} | ${m.nonsenseAnswered} |`);
        if (!chosen && m.precision >= TARGET_PRECISION) chosen = { threshold: round(t), ...m };
      }
      if (chosen) {
        fit[vector] = chosen;
        console.log(
          `chosen: ${chosen.threshold} (recall ${pct(chosen.recall)}, precision ${pct(chosen.precision)})\n`,
        );
      } else console.log(`no threshold reaches precision ${TARGET_PRECISION}\n`);
    }
    const lexicalOnly = measure(obs, 'image', 2);
    console.log(
      `full text alone (no vector evidence): recall ${pct(lexicalOnly.recall)}, precision ${pct(lexicalOnly.precision)}`,
    );
    if (write) {
      const file = join(demo.config.embedding.modelDir, SEARCH_CALIBRATION_FILE);
      const body = {
        modelId,
        fittedAt: new Date().toISOString(),
        minSimilarity: Object.fromEntries(Object.entries(fit).map(([k, v]) => [k, v.threshold])),
        recall: fit.image?.recall,
        precision: fit.image?.precision,
      };
      writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
      console.log(`written to ${file}`);
    }
  } finally {
    await demo.drop();
  }
}

/** Recall and precision of the cutoff "full-text match, or `vector` similarity ≥ t". */
function measure(
  obs: readonly Observation[],
  vector: 'image' | 'text',
  t: number,
): { recall: number; precision: number; nonsenseAnswered: number } {
  let realCount = 0;
  let kept = 0;
  let answeredReal = 0;
  let answeredNonsense = 0;
  for (const o of obs) {
    const answered = o.anyLexical || o.best[vector] >= t;
    if (o.real) {
      realCount++;
      if (o.relevant!.lexical || o.relevant![vector] >= t) kept++;
      if (answered) answeredReal++;
    } else if (answered) answeredNonsense++;
  }
  const answered = answeredReal + answeredNonsense;
  return {
    recall: realCount ? kept / realCount : 0,
    precision: answered ? answeredReal / answered : 1,
    nonsenseAnswered: answeredNonsense,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const round = (x: number): number => Math.round(x * 1000) / 1000;

@Module({})
class Bench {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: Bench,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(),
        EmbeddingModule.forRoot(),
        VectorsModule.forRoot(),
      ],
    };
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
