// npm run bench:insights [-- --pictures 60 --reps 3]
// What product insights cost per call on this machine, with the configured model (MODEL_DIR, default the demo
// model), on the demo catalog's pictures: dominant colours from pixels, attribute extraction (pixels + five
// zero-shot vocabularies), answers per question type, heatmaps (pixel mask, 16-crop patch map), template
// descriptions with their contradiction check. Prints milliseconds per item (median over reps) and items per second.
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@vitrine/core';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import {
  ColourNamer,
  DEFAULT_VOCABULARIES,
  ImageAnalyser,
  loadVocabularies,
  withCategories,
} from '@vitrine/attributes';
import { InMemoryNeighbours } from '@vitrine/vqa';
import { composeDescription, DESCRIPTION_STYLES, factSheet, findContradictions } from '@vitrine/descriptions';
import { EvaluationModule, readCatalogProducts, vqaEvalModels } from '@vitrine/evaluation';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PICTURES = arg('pictures', 60);
const REPS = arg('reps', 3);

async function time(label: string, items: number, run: () => Promise<unknown>): Promise<void> {
  const runs: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    await run();
    runs.push(performance.now() - t);
  }
  const median = runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const per = median / items;
  console.log(
    `${label.padEnd(44)} ${per.toFixed(2).padStart(8)} ms/item ${(1000 / per).toFixed(0).padStart(7)} items/s`,
  );
}

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'error', ...process.env });
  const products = readCatalogProducts(resolve(__dirname, '../data/demo-catalog/products.jsonl'));
  const sample = products.filter((p) => p.images[0]).slice(0, PICTURES);
  const pictures = await Promise.all(sample.map((p) => readFile(fileURLToPath(p.images[0]!.uri))));
  // The configured vocabularies with the catalog's categories, as the service reads them from its catalog.
  const vocabularies = withCategories(
    loadVocabularies(config.insights.vocabularyFile),
    products.map((p) => p.category ?? 'other'),
  );
  const app = await NestFactory.createApplicationContext(
    EvaluationModule.forVqa(config, {
      vocabularies,
      neighbours: async (embedder) => {
        const vectors = await embedder.embedImages(pictures);
        return new InMemoryNeighbours(
          sample.map((p, i) => ({ id: p.id, category: p.category, vector: vectors[i]!.vector })),
        );
      },
    }),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  try {
    const embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    const core = { ...vqaEvalModels(app), analyser: app.get(ImageAnalyser) };
    await core.vocabularies.get();
    // Warm the prompt embeddings once: they are cached for the life of the process.
    await core.embedded.answer(core.router.route('What is it made of?'), { image: pictures[0]! });
    console.log(
      `model ${embedder.modelId}, ${sample.length} pictures, median of ${REPS} runs, one request at a time\n`,
    );

    await time('dominant colours (pixels, k-means)', pictures.length, async () => {
      for (const p of pictures) await core.analyser.colours(p);
    });
    await time('image embedding (one picture)', pictures.length, async () => {
      for (const p of pictures) await embedder.embedImage(p);
    });
    for (const q of [
      'What colour is it?',
      'What kind of product is this?',
      'What is it made of?',
      'Is it red?',
      'Is it a bicycle?',
      'Does it have a strap?',
    ]) {
      const routed = core.router.route(q);
      await time(`answer "${q}"`, pictures.length, async () => {
        for (const p of pictures) await core.embedded.answer(routed, { image: p });
      });
    }
    const few = pictures.slice(0, Math.min(10, pictures.length));
    await time('answer + pixel heatmap (colour)', few.length, async () => {
      for (const p of few)
        await core.embedded.answer(core.router.route('What colour is it?'), { image: p, heatmap: true });
    });
    await time('answer + patch heatmap (16 crops)', few.length, async () => {
      for (const p of few)
        await core.embedded.answer(core.router.route('What is it made of?'), { image: p, heatmap: true });
    });
    const vocabulary = { colours: new ColourNamer(), materials: DEFAULT_VOCABULARIES.material.labels };
    await time(
      'template description + contradiction check',
      products.length * DESCRIPTION_STYLES.length,
      () => {
        for (const p of products)
          for (const s of DESCRIPTION_STYLES) {
            const facts = factSheet(p, [], 0.6);
            findContradictions(composeDescription(s, facts), p, facts, vocabulary);
          }
        return Promise.resolve();
      },
    );
  } finally {
    await app.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
