import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { locateJsonError, ValidationError } from '@vitrine/core';
import type { Product } from '@vitrine/catalog';
import type { VqaAnswer } from '@vitrine/vqa';

/** A question neither the catalog nor the picture can settle: a correct reply abstains. */
const unknowableSchema = z.object({
  sku: z.string().min(1),
  lang: z.enum(['en', 'zh']),
  /**
   * `dev`: phrasings the router was developed on; `test`: held-out phrasings, measured once, later looked at;
   * `test2`: held-out phrasings written after the last router change.
   */
  split: z.enum(['dev', 'test', 'test2']).default('test'),
  topic: z.string().min(1),
  question: z.string().min(1),
});
/** A question whose answer the catalog text holds: a correct reply quotes it. */
const catalogTextSchema = z.object({
  sku: z.string().min(1),
  lang: z.enum(['en', 'zh']),
  split: z.enum(['dev', 'test', 'test2']).default('test'),
  question: z.string().min(1),
  /** Where the answer is (`description`, `attributes.weight`…). */
  field: z.string().min(1),
  /** Words the quoted evidence must hold. */
  contains: z.string().min(1),
  /** For yes/no questions: the right answer. */
  answer: z.enum(['yes', 'no']).optional(),
});
export type UnknowableQuestion = z.infer<typeof unknowableSchema>;
export type CatalogTextQuestion = z.infer<typeof catalogTextSchema>;

function readJsonl<T>(file: string, schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      const at = locateJsonError(line);
      throw new ValidationError(
        `${file} line ${i + 1}: not valid JSON${at ? ` at column ${at.column}` : ''} (${(e as Error).message})`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ValidationError(`${file} line ${i + 1}: ${parsed.error.message}`);
    out.push(parsed.data);
  }
  return out;
}

export const readUnknowableSet = (file: string) => readJsonl(file, unknowableSchema);
export const readCatalogTextSet = (file: string) => readJsonl(file, catalogTextSchema);

/** Asks one question about one product, as `POST /v1/products/:id/ask` does. */
export type AskProduct = (productId: string, question: string) => Promise<VqaAnswer>;

export interface RateWithCi {
  readonly n: number;
  readonly rate: number;
  readonly ci95: readonly [number, number];
}

export interface TruthfulnessReport {
  readonly unknowable: {
    /** Replies that abstained (answered: false) and did not start with "no". Goal ≥ 95%. */
    readonly abstention: RateWithCi;
    /** Replies that answered at or above the confidence threshold: every such answer is wrong. Goal ≤ 1%. */
    readonly confidentWrong: RateWithCi;
    readonly byLanguage: Readonly<Record<string, RateWithCi>>;
    readonly bySplit: Readonly<Record<string, RateWithCi>>;
    readonly byTopic: Readonly<Record<string, RateWithCi>>;
    /** Up to 50 questions that were answered, for reading. */
    readonly misses: readonly { readonly question: string; readonly answer: string }[];
  };
  readonly catalogText: {
    /** Answered, quoting evidence that holds the expected words (and the right yes/no). Goal ≥ 90%. */
    readonly accuracy: RateWithCi;
    /** Answered with a quote that does not hold the answer, or the wrong yes/no. */
    readonly confidentWrong: RateWithCi;
    readonly abstained: RateWithCi;
    readonly byLanguage: Readonly<Record<string, RateWithCi>>;
    readonly bySplit: Readonly<Record<string, RateWithCi>>;
    readonly misses: readonly { readonly question: string; readonly answer: string }[];
  };
  /** Confident wrong answers over both sets. Goal ≤ 1%. */
  readonly confidentWrong: RateWithCi;
}

function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 0];
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const m = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(c - m) / d, (c + m) / d];
}

const rate = (k: number, n: number): RateWithCi => ({ n, rate: n ? k / n : 0, ci95: wilson(k, n) });

function grouped<T>(rows: readonly T[], key: (r: T) => string, ok: (r: T) => boolean) {
  const out: Record<string, RateWithCi> = {};
  for (const k of [...new Set(rows.map(key))].sort()) {
    const g = rows.filter((r) => key(r) === k);
    out[k] = rate(g.filter(ok).length, g.length);
  }
  return out;
}

/**
 * The truthfulness of product answers: on unknowable questions the share that abstains (and the share answered
 * anyway, every one of them a confident wrong answer), on catalog-text questions the share answered with a quote
 * that holds the answer. `ask` is the product answering path (VqaService.askAboutProduct over the catalog).
 */
export async function evaluateTruthfulness(
  ask: AskProduct,
  products: readonly Product[],
  unknowable: readonly UnknowableQuestion[],
  catalogText: readonly CatalogTextQuestion[],
  minConfidence: number,
  onProgress?: (done: number) => void,
): Promise<TruthfulnessReport> {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const product = (sku: string) => {
    const p = bySku.get(sku);
    if (!p) throw new ValidationError(`question set names SKU ${sku}, which the catalog does not have`);
    return p;
  };
  let done = 0;
  const u: { q: UnknowableQuestion; a: VqaAnswer; abstained: boolean; wrong: boolean }[] = [];
  for (const q of unknowable) {
    const a = await ask(product(q.sku).id, q.question);
    const abstained = !a.answered && !/^(no|不)/i.test(a.answer.trim());
    u.push({ q, a, abstained, wrong: a.answered && a.confidence >= minConfidence });
    onProgress?.(++done);
  }
  const c: { q: CatalogTextQuestion; a: VqaAnswer; correct: boolean; wrong: boolean }[] = [];
  for (const q of catalogText) {
    const a = await ask(product(q.sku).id, q.question);
    const quoted = (a.evidence ?? []).some((e) => e.text.toLowerCase().includes(q.contains.toLowerCase()));
    const polarOk = q.answer === undefined || a.value === q.answer;
    const confident = a.answered && a.confidence >= minConfidence;
    c.push({ q, a, correct: confident && quoted && polarOk, wrong: confident && !(quoted && polarOk) });
    onProgress?.(++done);
  }
  const wrong = u.filter((r) => r.wrong).length + c.filter((r) => r.wrong).length;
  return {
    unknowable: {
      abstention: rate(u.filter((r) => r.abstained).length, u.length),
      confidentWrong: rate(u.filter((r) => r.wrong).length, u.length),
      byLanguage: grouped(
        u,
        (r) => r.q.lang,
        (r) => r.abstained,
      ),
      bySplit: grouped(
        u,
        (r) => r.q.split,
        (r) => r.abstained,
      ),
      byTopic: grouped(
        u,
        (r) => r.q.topic,
        (r) => r.abstained,
      ),
      misses: u
        .filter((r) => !r.abstained)
        .slice(0, 50)
        .map((r) => ({ question: r.q.question, answer: r.a.answer })),
    },
    catalogText: {
      accuracy: rate(c.filter((r) => r.correct).length, c.length),
      confidentWrong: rate(c.filter((r) => r.wrong).length, c.length),
      abstained: rate(c.filter((r) => !r.a.answered).length, c.length),
      byLanguage: grouped(
        c,
        (r) => r.q.lang,
        (r) => r.correct,
      ),
      bySplit: grouped(
        c,
        (r) => r.q.split,
        (r) => r.correct,
      ),
      misses: c
        .filter((r) => !r.correct)
        .slice(0, 50)
        .map((r) => ({ question: r.q.question, answer: r.a.answer })),
    },
    confidentWrong: rate(wrong, u.length + c.length),
  };
}
