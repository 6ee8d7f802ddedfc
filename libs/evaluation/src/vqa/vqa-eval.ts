import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Product } from '@vitrine/catalog';
import type { EmbeddingProvider } from '@vitrine/embedding';
import {
  capConfidence,
  expectedCalibrationError,
  FACT_PRECISION,
  fitThreshold,
  precisionAt,
  fitLogitScale,
  minimiseScale,
  negativeLogLikelihood,
  softmax,
  type AttributeName,
  type CalibrationSample,
  type ColourNamer,
  type VocabularyProvider,
  type ZeroShotClassifier,
} from '@vitrine/attributes';
import {
  categoryVote,
  NEIGHBOURS_K,
  type Answerer,
  type QuestionRouter,
  type SimilarProduct,
  type SimilarProductsIndex,
  type VqaAnswer,
} from '@vitrine/vqa';

/**
 * The model-only parts the evaluations answer with: an application context built with
 * `AttributesModule.forEvaluation` and `VqaModule.forEvaluation` provides them (no catalog database).
 */
export interface VqaEvalModels {
  readonly router: QuestionRouter;
  readonly embedded: Answerer;
  readonly colours: ColourNamer;
  readonly classifier: ZeroShotClassifier;
  readonly vocabularies: VocabularyProvider;
}

/** The question types the evaluation reports, each a row. */
export const EVAL_TYPES = [
  'colour',
  'colour (unambiguous)',
  'category',
  'material',
  'yes-no',
  'yes-no colour',
  'yes-no category',
  'yes-no object',
] as const;
export type EvalType = (typeof EVAL_TYPES)[number];

/** One generated question about one product picture. */
export interface EvalQuestion {
  readonly sku: string;
  readonly productId: string;
  /** Absolute path of the picture asked about. */
  readonly image: string;
  readonly question: string;
  /** What a correct answer's `value` is. */
  readonly expected: string;
  /** The rows this question counts in. */
  readonly types: readonly EvalType[];
}

export interface TypeStats {
  readonly n: number;
  /** Share of questions answered (not "I can't tell"). */
  readonly answeredShare: number;
  /** Correct answers over all questions ("I can't tell" counts as not correct). */
  readonly accuracy: number;
  /** Correct answers over answered questions. */
  readonly answeredAccuracy: number;
  /** The best answer right, whatever its confidence (no "I can't tell"): comparable to a retrieval R@1. */
  readonly top1Accuracy: number;
  readonly cantTellShare: number;
  /** Wilson 95% interval of `accuracy`. */
  readonly ci95: readonly [number, number];
}

/** Deterministic PRNG for picking negatives: the same catalog gives the same question set. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The demo catalog labels colours by a majority vote of non-white pixels over this palette
// (tools/demo-model/build-catalog.mjs). The evaluation reuses the rule only to tell which labels are clear-cut.
const LABEL_PALETTE: ReadonlyArray<readonly [string, readonly [number, number, number]]> = [
  ['black', [35, 35, 35]],
  ['grey', [128, 128, 128]],
  ['silver', [195, 195, 200]],
  ['white', [245, 245, 245]],
  ['red', [210, 40, 45]],
  ['orange', [245, 140, 35]],
  ['yellow', [250, 210, 60]],
  ['green', [70, 160, 70]],
  ['blue', [45, 110, 210]],
  ['purple', [135, 80, 175]],
  ['pink', [240, 135, 175]],
  ['brown', [135, 85, 45]],
  ['beige', [225, 195, 150]],
];

/**
 * Whether a catalog picture's colour label is clear-cut under the catalog's own labelling rule: the winning
 * colour has at least half of the votes and at least twice the runner-up's.
 */
export async function unambiguousColour(file: string): Promise<boolean> {
  const { data, info } = await sharp(file)
    .resize(32, 32)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const votes = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < info.width * info.height; i++) {
    const p = [data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!];
    if (p[0]! > 240 && p[1]! > 240 && p[2]! > 240) continue;
    let best = '';
    let bd = Infinity;
    for (const [name, c] of LABEL_PALETTE) {
      const d = (p[0]! - c[0]) ** 2 + (p[1]! - c[1]) ** 2 + (p[2]! - c[2]) ** 2;
      if (d < bd) [bd, best] = [d, name];
    }
    votes.set(best, (votes.get(best) ?? 0) + 1);
    total++;
  }
  const [first = 0, second = 0] = [...votes.values()].sort((a, b) => b - a);
  return total > 0 && first / total >= 0.5 && first >= 2 * second;
}

/** The concept a demo picture shows, from its file name (`images/cherry-blossom-2.png` → `cherry blossom`). */
export function conceptOf(file: string): string {
  return (file.split('/').pop() ?? '')
    .replace(/\.[a-z]+$/i, '')
    .replace(/-\d+$/, '')
    .replace(/-/g, ' ');
}

/**
 * The question set of the evaluation, generated from held-out catalog attributes: for each product and its
 * picture, what colour / what kind / what material, and balanced yes/no questions (the true value and a random
 * other one) about colour, category and the object itself. `pictures` maps SKU → the picture to ask about.
 */
export async function buildQuestions(
  products: readonly Product[],
  pictures: ReadonlyMap<string, string>,
  colourNames: readonly string[],
  seed = 7,
): Promise<EvalQuestion[]> {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[], not: T): T => {
    const others = xs.filter((x) => x !== not);
    return others[Math.floor(random() * others.length)]!;
  };
  const categories = [...new Set(products.flatMap((p) => (p.category ? [p.category] : [])))].sort();
  const concepts = products.flatMap((p) => (p.images[0] ? [conceptOf(p.images[0].uri)] : []));
  const out: EvalQuestion[] = [];
  for (const p of products) {
    const image = pictures.get(p.sku);
    const own = p.images[0];
    if (!image || !own) continue;
    const q = (question: string, expected: string, types: EvalType[]) =>
      out.push({ sku: p.sku, productId: p.id, image, question, expected, types });
    const colour = typeof p.attributes.color === 'string' ? p.attributes.color : undefined;
    if (colour) {
      const clear = await unambiguousColour(fileURLToPath(own.uri));
      q('What colour is it?', colour, clear ? ['colour', 'colour (unambiguous)'] : ['colour']);
      q(`Is it ${colour}?`, 'yes', ['yes-no', 'yes-no colour']);
      q(`Is it ${pick(colourNames, colour)}?`, 'no', ['yes-no', 'yes-no colour']);
    }
    if (p.category) {
      q('What kind of product is this?', p.category, ['category']);
      q(`Is it ${p.category}?`, 'yes', ['yes-no', 'yes-no category']);
      q(`Is it ${pick(categories, p.category)}?`, 'no', ['yes-no', 'yes-no category']);
    }
    if (typeof p.attributes.material === 'string')
      q('What is it made of?', p.attributes.material, ['material']);
    const concept = conceptOf(own.uri);
    q(`Is it a ${concept}?`, 'yes', ['yes-no', 'yes-no object']);
    q(`Is it a ${pick(concepts, concept)}?`, 'no', ['yes-no', 'yes-no object']);
  }
  return out;
}

/** Wilson score interval (95%). */
export function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 0];
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const m = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(c - m) / d, (c + m) / d];
}

/** A question answered with confidence (at or above the minimum) and wrongly: what a shopper would be misled by. */
export interface ConfidentlyWrong {
  readonly question: EvalQuestion;
  /** The answer's value (canonical colour name where it is a colour). */
  readonly answer: string | null;
  readonly confidence: number;
}

export interface VqaEvalResult {
  readonly types: Partial<Record<EvalType, TypeStats>>;
  readonly questions: number;
  readonly msPerQuestion: number;
  /** Every confidently wrong answer, most confident first. */
  readonly confidentlyWrong: readonly ConfidentlyWrong[];
}

/**
 * Asks every question with the embedded answerer (picture only: no catalog facts) and scores the answers;
 * below `minConfidence` an answer counts as "I can't tell".
 */
export async function evaluateVqa(
  core: Pick<VqaEvalModels, 'router' | 'embedded' | 'colours'>,
  questions: readonly EvalQuestion[],
  minConfidence: number,
  options: {
    /**
     * Keep the product asked about out of its own similar products: for its catalog picture (which is in the
     * index), not for a held-out picture (a new photo of a product the catalog has, as a shopper would upload).
     */
    readonly excludeSelf?: boolean;
    readonly onProgress?: (done: number) => void;
  } = {},
): Promise<VqaEvalResult> {
  const tallies = new Map<EvalType, { n: number; answered: number; correct: number; top1: number }>();
  const images = new Map<string, Promise<Buffer>>();
  const started = performance.now();
  const wrong: ConfidentlyWrong[] = [];
  let done = 0;
  for (const item of questions) {
    let bytes = images.get(item.image);
    if (!bytes) images.set(item.image, (bytes = readFile(item.image)));
    const a: VqaAnswer = await core.embedded.answer(core.router.route(item.question), {
      image: await bytes,
      ...(options.excludeSelf ? { productId: item.productId } : {}),
    });
    const answered = a.answered && a.confidence >= minConfidence;
    const value = a.value === null ? null : (core.colours.canonical(a.value) ?? a.value);
    const expected = core.colours.canonical(item.expected) ?? item.expected;
    const top1 = a.answered && value === expected;
    const correct = answered && top1;
    if (answered && !correct) wrong.push({ question: item, answer: value, confidence: a.confidence });
    for (const t of item.types) {
      const s = tallies.get(t) ?? { n: 0, answered: 0, correct: 0, top1: 0 };
      s.n++;
      if (answered) s.answered++;
      if (correct) s.correct++;
      if (top1) s.top1++;
      tallies.set(t, s);
    }
    options.onProgress?.(++done);
  }
  const types: Partial<Record<EvalType, TypeStats>> = {};
  for (const t of EVAL_TYPES) {
    const s = tallies.get(t);
    if (!s) continue;
    types[t] = {
      n: s.n,
      answeredShare: s.answered / s.n,
      accuracy: s.correct / s.n,
      answeredAccuracy: s.answered ? s.correct / s.answered : 0,
      top1Accuracy: s.top1 / s.n,
      cantTellShare: 1 - s.answered / s.n,
      ci95: wilson(s.correct, s.n),
    };
  }
  return {
    types,
    questions: questions.length,
    msPerQuestion: (performance.now() - started) / Math.max(1, questions.length),
    confidentlyWrong: wrong.sort((a, b) => b.confidence - a.confidence),
  };
}

export interface CalibrationFit {
  readonly attribute: AttributeName | 'similar-products';
  readonly scale: number;
  /** Samples fitted on / evaluated on. */
  readonly fitN: number;
  readonly heldOutN: number;
  /** Held-out negative log-likelihood and expected calibration error, before (default scale) and after. */
  readonly nll: { readonly before: number; readonly after: number };
  readonly ece: { readonly before: number; readonly after: number };
  /**
   * For attributes read from pictures: the confidence from which values are stored as facts, fitted on the fit
   * half for {@link FACT_PRECISION} precision (absent when no cut reaches it), with its held-out precision and
   * the share of held-out pictures it keeps.
   */
  readonly fact?: {
    readonly threshold: number | null;
    readonly heldOut: { readonly precision: number; readonly coverage: number; readonly n: number };
  };
}

/**
 * Temperature scaling on held-out data: for each attribute with labels (category, colour, material), the
 * similarities of each product picture to every label, fitted on one half of the products (even positions) and
 * measured on the other. Returns the fitted scales with their before/after calibration on the held-out half.
 */
export async function fitCalibration(
  core: Pick<VqaEvalModels, 'classifier' | 'vocabularies'>,
  embedder: EmbeddingProvider,
  products: readonly Product[],
  pictures: ReadonlyMap<string, string>,
  defaultScale: number,
  neighbours?: SimilarProductsIndex,
): Promise<CalibrationFit[]> {
  const vocab = await core.vocabularies.get();
  const truth: Record<'category' | 'colour' | 'material', (p: Product) => string | undefined> = {
    category: (p) => p.category ?? undefined,
    colour: (p) => (typeof p.attributes.color === 'string' ? p.attributes.color : undefined),
    material: (p) => (typeof p.attributes.material === 'string' ? p.attributes.material : undefined),
  };
  const samples = { category: [[], []], colour: [[], []], material: [[], []] } as Record<
    keyof typeof truth,
    [CalibrationSample[], CalibrationSample[]]
  >;
  const votes: [VoteSample[], VoteSample[]] = [[], []];
  let i = 0;
  for (const p of products) {
    const file = pictures.get(p.sku);
    if (!file) continue;
    const half = i++ % 2;
    const embedding = (await embedder.embedImage(await readFile(file))).vector;
    for (const attribute of Object.keys(truth) as (keyof typeof truth)[]) {
      const label = vocab[attribute].labels.indexOf(truth[attribute](p) ?? '');
      if (label < 0) continue;
      samples[attribute][half]!.push({
        similarities: await core.classifier.similarities(embedding, vocab[attribute]),
        label,
      });
    }
    if (neighbours && p.category) {
      votes[half]!.push({ near: await neighbours.nearest(embedding, NEIGHBOURS_K), truth: p.category });
    }
  }
  const predictions = (set: readonly CalibrationSample[], scale: number) =>
    set.map((s) => {
      const p = softmax(s.similarities, scale);
      const top = p.indexOf(Math.max(...p));
      return { confidence: capConfidence(p[top]!), correct: top === s.label };
    });
  const ece = (set: readonly CalibrationSample[], scale: number) =>
    expectedCalibrationError(predictions(set, scale));
  const out: CalibrationFit[] = [];
  for (const attribute of Object.keys(truth) as (keyof typeof truth)[]) {
    const [fit, held] = samples[attribute];
    if (fit.length < 10 || held.length < 10) continue;
    const { scale } = fitLogitScale(fit);
    out.push({
      attribute,
      scale,
      fitN: fit.length,
      heldOutN: held.length,
      nll: { before: negativeLogLikelihood(held, defaultScale), after: negativeLogLikelihood(held, scale) },
      ece: { before: ece(held, defaultScale), after: ece(held, scale) },
      fact: factCut(predictions(fit, scale), predictions(held, scale)),
    });
  }
  const [fitVotes, heldVotes] = votes;
  if (fitVotes.length >= 10 && heldVotes.length >= 10) {
    const categories = new Set(products.flatMap((p) => (p.category ? [p.category] : []))).size;
    const { scale } = minimiseScale((s) => voteNll(fitVotes, s, categories));
    out.push({
      attribute: 'similar-products',
      scale,
      fitN: fitVotes.length,
      heldOutN: heldVotes.length,
      nll: {
        before: voteNll(heldVotes, defaultScale, categories),
        after: voteNll(heldVotes, scale, categories),
      },
      ece: { before: voteEce(heldVotes, defaultScale), after: voteEce(heldVotes, scale) },
    });
  }
  return out;
}

function factCut(
  fit: readonly { confidence: number; correct: boolean }[],
  held: readonly { confidence: number; correct: boolean }[],
): NonNullable<CalibrationFit['fact']> {
  const threshold = fitThreshold(fit, FACT_PRECISION) ?? null;
  return {
    threshold,
    heldOut: threshold === null ? { precision: 0, coverage: 0, n: 0 } : precisionAt(held, threshold),
  };
}

interface VoteSample {
  readonly near: readonly SimilarProduct[];
  readonly truth: string;
}

/** NLL of the true category under the vote, with a little mass on every category (a vote may miss the truth). */
function voteNll(samples: readonly VoteSample[], scale: number, categories: number): number {
  const eps = 1e-3;
  let total = 0;
  for (const s of samples) {
    const p = categoryVote(s.near, scale).find((c) => c.value === s.truth)?.probability ?? 0;
    total -= Math.log((1 - eps) * p + eps / categories);
  }
  return total / samples.length;
}

function voteEce(samples: readonly VoteSample[], scale: number): number {
  return expectedCalibrationError(
    samples.map((s) => {
      const top = categoryVote(s.near, scale)[0];
      return { confidence: top?.probability ?? 0, correct: top?.value === s.truth };
    }),
  );
}
