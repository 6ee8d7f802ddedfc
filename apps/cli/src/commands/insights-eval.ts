import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, locateJsonError, ValidationError, type AppConfig } from '@vitrine/core';
import type { Product } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, ImageSource, type EmbeddingProvider } from '@vitrine/embedding';
import {
  ColourNamer,
  DEFAULT_LOGIT_SCALE,
  DEFAULT_VOCABULARIES,
  FACT_PRECISION,
  ImageAnalyser,
  withCategories,
  type CalibrationFile,
  type Vocabularies,
} from '@vitrine/attributes';
import { InMemoryNeighbours, VqaService } from '@vitrine/vqa';
import { DescriptionComposer, type DescriptionStyle } from '@vitrine/descriptions';
import {
  buildQuestions,
  buildVqaReport,
  catalogReferences,
  EVAL_TYPES,
  EvaluationModule,
  evaluateDescriptions,
  evaluateVqa,
  fitCalibration,
  readCatalogProducts,
  readReferences,
  evaluateTruthfulness,
  readCatalogTextSet,
  readUnknowableSet,
  vqaEvalModels,
  Thumbnailer,
  type RateWithCi,
  type TruthfulnessReport,
  type DescriptionEvalReport,
  type TypeStats,
  type VqaEvalResult,
} from '@vitrine/evaluation';

export interface EvalIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

export interface EvalVqaArgs {
  readonly catalog: string;
  readonly queries: string;
  readonly pictures: 'queries' | 'catalog' | 'both' | 'none';
  readonly model?: string;
  readonly minConfidence?: number;
  readonly fitCalibration?: string;
  /** Unknowable-question set (JSONL); empty or absent: skipped. */
  readonly unknowable?: string;
  /** Catalog-text question set (JSONL); empty or absent: skipped. */
  readonly catalogText?: string;
  readonly json: boolean;
  /** Write a self-contained HTML report here (accuracy and abstention per type, the confidently wrong answers). */
  readonly report?: string;
}

/** The catalog's own categories and materials as vocabularies: the questions are about those values. */
function evalVocabularies(products: readonly Product[]): Vocabularies {
  const materials = [
    ...new Set(
      products.flatMap((p) => (typeof p.attributes.material === 'string' ? [p.attributes.material] : [])),
    ),
  ].sort();
  const v = withCategories(
    DEFAULT_VOCABULARIES,
    products.flatMap((p) => (p.category ? [p.category] : [])),
  );
  return materials.length >= 2 ? { ...v, material: { ...v.material, labels: materials } } : v;
}

/** SKU → held-out picture, from the `image` queries of a queries JSONL (`{"image", "relevant": [sku]}`). */
function queryPictures(file: string): Map<string, string> {
  const base = dirname(resolve(file));
  const out = new Map<string, string>();
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let q: { image?: unknown; relevant?: unknown };
    try {
      q = JSON.parse(line) as typeof q;
    } catch (e) {
      const at = locateJsonError(line);
      throw new ValidationError(
        `${file} line ${i + 1}: not valid JSON${at ? ` at column ${at.column}` : ''} (${(e as Error).message})`,
      );
    }
    if (typeof q.image !== 'string' || !Array.isArray(q.relevant) || typeof q.relevant[0] !== 'string')
      continue;
    out.set(q.relevant[0], join(base, q.image));
  }
  return out;
}

/** What the model's own card says about retrieval (config.json `vitrine.metrics`), for comparison. */
function modelRecall(modelDir: string): Record<string, number> {
  try {
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as {
      vitrine?: { metrics?: Record<string, { 'R@1'?: number }> };
    };
    const m = config.vitrine?.metrics ?? {};
    return Object.fromEntries(
      Object.entries(m).flatMap(([k, v]) => (typeof v['R@1'] === 'number' ? [[k, v['R@1']]] : [])),
    );
  } catch {
    return {};
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(rows: Partial<Record<string, TypeStats>>): string {
  const head = ['type', 'n', 'answered', 'accuracy', 'acc|answered', "can't tell", '95% CI', 'top-1'];
  const body = EVAL_TYPES.flatMap((t) => {
    const s = rows[t];
    return s
      ? [
          [
            t,
            String(s.n),
            pct(s.answeredShare),
            pct(s.accuracy),
            pct(s.answeredAccuracy),
            pct(s.cantTellShare),
            `${pct(s.ci95[0])}–${pct(s.ci95[1])}`,
            pct(s.top1Accuracy),
          ],
        ]
      : [];
  });
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/**
 * `vitrine eval-vqa`: a question set generated from the catalog's attributes, asked about each product's
 * held-out picture (OpenMoji renderings in queries/) and/or its catalog picture, answered from the picture alone
 * (no catalog facts) by the embedded answerer. Accuracy per question type and the share of "I can't tell".
 * `--fit-calibration` also fits temperature scales on half the products and reports the other half.
 */
export async function runEvalVqa(args: EvalVqaArgs, base: AppConfig, io: EvalIo): Promise<number> {
  const config = args.model ? loadConfig({ MODEL_DIR: args.model, LOG_LEVEL: 'error' }) : base;
  const minConfidence = args.minConfidence ?? config.insights.vqaMinConfidence;
  const products = readCatalogProducts(args.catalog);
  const log = (m: string) => void (args.json ? undefined : io.stderr.write(`${m}\n`));
  const vocabularies = evalVocabularies(products);
  const sets: Record<'queries' | 'catalog', Map<string, string>> = {
    queries: queryPictures(args.queries),
    catalog: new Map(
      products.flatMap((p) =>
        p.images[0]?.uri.startsWith('file:') ? [[p.sku, fileURLToPath(p.images[0].uri)]] : [],
      ),
    ),
  };
  // The catalog's pictures as the index of similar products (what the vector store holds in the service).
  let neighbours: InMemoryNeighbours | undefined;
  const catalogNeighbours = async (embedder: EmbeddingProvider) => {
    const indexed = products.filter((p) => sets.catalog.has(p.sku));
    const vectors = await embedder.embedImages(indexed.map((p) => readFileSync(sets.catalog.get(p.sku)!)));
    return (neighbours = new InMemoryNeighbours(
      indexed.map((p, i) => ({ id: p.id, category: p.category, vector: vectors[i]!.vector })),
    ));
  };
  const open = (c: AppConfig) =>
    openEvaluation(EvaluationModule.forVqa(c, { vocabularies, neighbours: catalogNeighbours }));
  let evalConfig = config;
  let app = await open(evalConfig);
  try {
    let embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    let core = vqaEvalModels(app);
    const which =
      args.pictures === 'both'
        ? (['queries', 'catalog'] as const)
        : args.pictures === 'none'
          ? []
          : [args.pictures];
    const reports: Record<string, unknown> = {};
    const results: { id: 'queries' | 'catalog'; name: string; result: VqaEvalResult }[] = [];
    let truthfulness: TruthfulnessReport | undefined;
    let calibration: CalibrationFile | undefined;
    if (args.fitCalibration) {
      const fits = await fitCalibration(
        core,
        embedder,
        products,
        sets.queries,
        DEFAULT_LOGIT_SCALE,
        neighbours,
      );
      if (fits.length === 0) throw new ValidationError('not enough labelled pictures to fit a calibration');
      calibration = {
        modelId: embedder.modelId,
        fittedAt: new Date().toISOString(),
        scales: Object.fromEntries(fits.map((f) => [f.attribute, { scale: f.scale, n: f.fitN }])),
        // Pattern and style have no labelled pictures: no threshold, so their values are never stored as facts.
        thresholds: Object.fromEntries(
          fits.flatMap((f) =>
            f.attribute !== 'similar-products' && f.fact?.threshold != null
              ? [
                  [
                    f.attribute,
                    { threshold: f.fact.threshold, precision: f.fact.heldOut.precision, n: f.fact.heldOut.n },
                  ],
                ]
              : [],
          ),
        ),
      };
      writeFileSync(args.fitCalibration, `${JSON.stringify(calibration, null, 2)}\n`);
      reports.calibration = fits;
      log(
        `calibration (fitted on half the products' held-out pictures, measured on the other half) → ${args.fitCalibration}`,
      );
      for (const f of fits) {
        log(
          `  ${f.attribute.padEnd(9)} scale ${f.scale.toFixed(1)} (default ${DEFAULT_LOGIT_SCALE}): held-out NLL ` +
            `${f.nll.before.toFixed(3)} → ${f.nll.after.toFixed(3)}, ECE ${f.ece.before.toFixed(3)} → ${f.ece.after.toFixed(3)} (n ${f.heldOutN})` +
            (f.fact
              ? f.fact.threshold === null
                ? `; no confidence reaches ${pct(FACT_PRECISION)} precision: never stored as a fact`
                : `; facts from confidence ${f.fact.threshold.toFixed(3)}: held-out precision ${pct(f.fact.heldOut.precision)}, ` +
                  `coverage ${pct(f.fact.heldOut.coverage)}`
              : ''),
        );
      }
      for (const a of ['pattern', 'style'] as const)
        if (!fits.some((f) => f.attribute === a))
          log(`  ${a.padEnd(9)} no labelled pictures: no threshold, never stored as a fact`);
      // The answerer read its calibration when it started (for a new model: none, or another model's, which it
      // ignores): measure with the one just fitted, as the API will answer once it loads it.
      await app.close();
      evalConfig = {
        ...config,
        insights: { ...config.insights, calibrationFile: resolve(args.fitCalibration) },
      };
      app = await open(evalConfig);
      embedder = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
      core = vqaEvalModels(app);
      log('measured below with the calibration just fitted');
    }
    for (const set of which) {
      const questions = await buildQuestions(products, sets[set], core.colours.names);
      const tty = !args.json && io.stderr.isTTY === true;
      const bar = new SingleBar(
        { format: `${set} [{bar}] {value}/{total}`, stream: io.stderr, noTTYOutput: false },
        Presets.shades_classic,
      );
      if (tty) bar.start(questions.length, 0);
      const result = await evaluateVqa(core, questions, minConfidence, {
        excludeSelf: set === 'catalog',
        ...(tty ? { onProgress: (d: number) => bar.update(d) } : {}),
      });
      if (tty) bar.stop();
      const { confidentlyWrong, ...counts } = result;
      reports[set] = { ...counts, confidentlyWrong: confidentlyWrong.length };
      const name = set === 'queries' ? 'held-out OpenMoji pictures' : 'catalog pictures';
      results.push({ id: set, name, result });
      if (!args.json) {
        io.stdout.write(
          `\n${name}: ${result.questions} questions, ` +
            `${result.msPerQuestion.toFixed(1)} ms each\n${table(result.types)}\n`,
        );
        const yn = result.types['yes-no'];
        if (yn) {
          io.stdout.write(
            `yes/no: ${pct(yn.accuracy)} vs 50% chance (balanced), margin ${((yn.accuracy - 0.5) * 100).toFixed(1)} points, ` +
              `95% CI of accuracy ${pct(yn.ci95[0])}–${pct(yn.ci95[1])}\n`,
          );
        }
      }
    }
    if (args.unknowable || args.catalogText) {
      const truth = await runTruthfulness(app, core, evalConfig, products, minConfidence, args);
      truthfulness = truth;
      reports.truthfulness = truth;
      if (!args.json) io.stdout.write(truthTable(truth));
    }
    const recall = modelRecall(config.embedding.modelDir);
    reports.model = embedder.modelId;
    reports.minConfidence = minConfidence;
    reports.modelRecallAt1 = recall;
    if (args.report) {
      const file = resolve(args.report);
      writeFileSync(
        file,
        await buildVqaReport(
          {
            model: embedder.modelId,
            minConfidence,
            catalog: args.catalog,
            titles: new Map(products.map((p) => [p.sku, p.title])),
            sets: results,
            ...(truthfulness ? { truthfulness } : {}),
            generatedAt: new Date(),
          },
          new Thumbnailer(),
        ),
      );
      log(`report written to ${file}`);
    }
    if (args.json) io.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    else {
      io.stdout.write(
        `\nmodel ${embedder.modelId}, min confidence ${minConfidence}; the model card's R@1: ${
          Object.entries(recall)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'n/a'
        }\n`,
      );
    }
    return 0;
  } finally {
    await app.close();
  }
}

/**
 * The unknowable and catalog-text sets asked through the product answering path itself (VqaService over the
 * catalog file, no stored attributes, the catalog pictures, no remote answerer).
 */
async function runTruthfulness(
  app: INestApplicationContext,
  core: ReturnType<typeof vqaEvalModels>,
  config: AppConfig,
  products: readonly Product[],
  minConfidence: number,
  args: EvalVqaArgs,
): Promise<TruthfulnessReport> {
  const byId = new Map(products.map((p) => [p.id, p]));
  const vqa = new VqaService(
    {
      products: { getById: (id: string) => Promise.resolve(byId.get(id) ?? null) },
      attributes: { forProduct: () => Promise.resolve([]) },
      images: app.get(ImageSource),
      analyser: app.get(ImageAnalyser),
      colours: core.colours,
      router: core.router,
      vocabularies: core.vocabularies,
      embedded: core.embedded,
    },
    { minConfidence, attributeMinConfidence: config.insights.attributeMinConfidence },
  );
  return evaluateTruthfulness(
    (id, q) => vqa.askAboutProduct(id, q),
    products,
    args.unknowable ? readUnknowableSet(args.unknowable) : [],
    args.catalogText ? readCatalogTextSet(args.catalogText) : [],
    minConfidence,
  );
}

function truthTable(t: TruthfulnessReport): string {
  const r = (x: RateWithCi) => `${pct(x.rate)} (95% CI ${pct(x.ci95[0])}–${pct(x.ci95[1])}, n ${x.n})`;
  const lines = ['', 'truthfulness (the product answering path over the catalog, no remote answerer)'];
  if (t.unknowable.abstention.n) {
    lines.push(
      `  unknowable questions: abstained ${r(t.unknowable.abstention)} (goal ≥ 95%); answered anyway ${r(t.unknowable.confidentWrong)}`,
      `    by language: ${Object.entries(t.unknowable.byLanguage)
        .map(([k, v]) => `${k} ${pct(v.rate)} (n ${v.n})`)
        .join(', ')}; by split: ${Object.entries(t.unknowable.bySplit)
        .map(([k, v]) => `${k} ${pct(v.rate)} (n ${v.n})`)
        .join(', ')}`,
      `    by topic: ${Object.entries(t.unknowable.byTopic)
        .map(([k, v]) => `${k} ${pct(v.rate)}`)
        .join(', ')}`,
    );
  }
  if (t.catalogText.accuracy.n) {
    lines.push(
      `  catalog-text questions: correct with quoted evidence ${r(t.catalogText.accuracy)} (goal ≥ 90%); ` +
        `confident wrong ${pct(t.catalogText.confidentWrong.rate)}, can't tell ${pct(t.catalogText.abstained.rate)}`,
      `    by language: ${Object.entries(t.catalogText.byLanguage)
        .map(([k, v]) => `${k} ${pct(v.rate)} (n ${v.n})`)
        .join(', ')}; by split: ${Object.entries(t.catalogText.bySplit)
        .map(([k, v]) => `${k} ${pct(v.rate)} (n ${v.n})`)
        .join(', ')}`,
    );
  }
  lines.push(`  confident wrong answers over both sets: ${r(t.confidentWrong)} (goal ≤ 1%)`, '');
  return lines.join('\n');
}

/** An evaluation's application context; errors while building it are thrown, as the commands report them. */
function openEvaluation(module: Parameters<typeof NestFactory.createApplicationContext>[0]) {
  return NestFactory.createApplicationContext(module, { logger: ['error', 'warn'], abortOnError: false });
}

export interface EvalDescriptionsArgs {
  readonly catalog: string;
  readonly references?: string;
  readonly styles: readonly DescriptionStyle[];
  readonly json: boolean;
}

/**
 * `vitrine eval-descriptions`: descriptions generated for the catalog's products (from their facts; their own
 * description is hidden from the generator) scored with BLEU-1..4, ROUGE-L and CIDEr-D against references — a
 * JSONL of `{"sku", "references": [...]}`, or the catalog's own descriptions when none is given.
 */
export async function runEvalDescriptions(
  args: EvalDescriptionsArgs,
  config: AppConfig,
  io: EvalIo,
): Promise<number> {
  const products = readCatalogProducts(args.catalog);
  const references = args.references ? readReferences(args.references) : catalogReferences(products);
  const vocabulary = {
    colours: new ColourNamer(),
    materials: [
      ...DEFAULT_VOCABULARIES.material.labels,
      ...products.flatMap((p) => (typeof p.attributes.material === 'string' ? [p.attributes.material] : [])),
    ],
    brands: [...new Set(products.flatMap((p) => (p.brand ? [p.brand] : [])))],
  };
  const app: INestApplicationContext = await openEvaluation(
    EvaluationModule.forDescriptions(config, { vocabulary }),
  );
  const reports: DescriptionEvalReport[] = [];
  try {
    const composer = app.get(DescriptionComposer);
    for (const style of args.styles) {
      reports.push(await evaluateDescriptions(products, references, composer, style, vocabulary));
    }
  } finally {
    await app.close();
  }
  if (args.json) {
    io.stdout.write(
      `${JSON.stringify(
        reports.map((r) => ({ ...r, scores: { ...r.scores, perSample: undefined } })),
        null,
        2,
      )}\n`,
    );
    return reports.some((r) => r.contradictions > 0) ? 1 : 0;
  }
  const head = ['style', 'generator', 'n', 'BLEU-1', 'BLEU-4', 'ROUGE-L', 'CIDEr-D', 'contradictions'];
  const rows = reports.map((r) => [
    r.style,
    r.generator,
    String(r.scores.samples),
    r.scores.bleu1.toFixed(4),
    r.scores.bleu4.toFixed(4),
    r.scores.rougeL.toFixed(4),
    r.scores.ciderD.toFixed(4),
    String(r.contradictions),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  io.stdout.write(
    `${args.references ? `references: ${args.references}` : "references: the catalog's own descriptions (one per product)"}\n` +
      all
        .map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
        .join('\n') +
      '\n',
  );
  return reports.some((r) => r.contradictions > 0) ? 1 : 0;
}
