import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { JsonFileError, parseJsonFile, ValidationError } from '@vitrine/core';
import { ATTRIBUTE_NAMES, type AttributeName } from './vocabularies';

/**
 * What a logit scale is fitted for: one attribute's softmax, the two-way yes/no contrasts, or the similarity
 * weights of the similar-products category vote.
 */
export type CalibrationKey = AttributeName | 'yes-no' | 'similar-products';
export const CALIBRATION_KEYS: readonly CalibrationKey[] = [...ATTRIBUTE_NAMES, 'yes-no', 'similar-products'];

/**
 * The logit scale OpenAI's CLIP models learned (exp(4.6052) = 100). Used until a scale is fitted for the model:
 * probabilities are then CLIP's own, not calibrated on held-out data.
 */
export const DEFAULT_LOGIT_SCALE = 100;

/**
 * The most a model-read probability may claim. A zero-shot softmax easily rounds to 1.0 on a picture it knows
 * nothing about (a laptop at "polka dot" 1.0): no picture-read value is certain, so none reports certainty.
 */
export const MAX_MODEL_CONFIDENCE = 0.99;

/** A model's probability as reported: at most {@link MAX_MODEL_CONFIDENCE}. */
export function capConfidence(p: number): number {
  return Math.min(p, MAX_MODEL_CONFIDENCE);
}

/** Held-out precision a picture-read attribute must reach before its values are stored as facts. */
export const FACT_PRECISION = 0.9;

/**
 * The lowest confidence at which predictions reach `precision` (correct share among those at or above it), with
 * at least `minCount` of them; undefined when no cut does. Fitted on one half, reported on the other.
 */
export function fitThreshold(
  predictions: readonly { readonly confidence: number; readonly correct: boolean }[],
  precision = FACT_PRECISION,
  minCount = 5,
): number | undefined {
  const sorted = [...predictions].sort((a, b) => b.confidence - a.confidence);
  let correct = 0;
  let best: number | undefined;
  for (let i = 0; i < sorted.length; i++) {
    correct += sorted[i]!.correct ? 1 : 0;
    const next = sorted[i + 1];
    // Cut only between distinct confidences: ties are on the same side.
    if (next && next.confidence === sorted[i]!.confidence) continue;
    if (i + 1 >= minCount && correct / (i + 1) >= precision) best = sorted[i]!.confidence;
  }
  return best;
}

/** Precision and coverage of predictions at or above `threshold`. */
export function precisionAt(
  predictions: readonly { readonly confidence: number; readonly correct: boolean }[],
  threshold: number,
): { readonly precision: number; readonly coverage: number; readonly n: number } {
  const kept = predictions.filter((p) => p.confidence >= threshold);
  return {
    precision: kept.length ? kept.filter((p) => p.correct).length / kept.length : 0,
    coverage: predictions.length ? kept.length / predictions.length : 0,
    n: kept.length,
  };
}

/** Numerically stable softmax of `scale * values`. */
export function softmax(values: readonly number[], scale = 1): number[] {
  if (values.length === 0) return [];
  const max = Math.max(...values.map((v) => v * scale));
  const exps = values.map((v) => Math.exp(v * scale - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** One held-out example: the cosine similarities of an image to every candidate, and the index of the true one. */
export interface CalibrationSample {
  readonly similarities: readonly number[];
  readonly label: number;
}

/** Mean negative log-likelihood of the true labels under `softmax(scale * similarities)`. */
export function negativeLogLikelihood(samples: readonly CalibrationSample[], scale: number): number {
  let total = 0;
  for (const s of samples) {
    const p = softmax(s.similarities, scale)[s.label] ?? 0;
    total -= Math.log(Math.max(p, 1e-12));
  }
  return samples.length === 0 ? 0 : total / samples.length;
}

/**
 * Temperature scaling (Guo et al., 2017) for a zero-shot classifier: the logit scale (1 / temperature) that
 * minimises the held-out negative log-likelihood, by golden-section search on log(scale) in [min, max]. The NLL
 * of a softmax in one scalar is smooth and in practice unimodal, so a bracketing search suffices. It changes
 * confidence only, never which label ranks first.
 */
export function fitLogitScale(
  samples: readonly CalibrationSample[],
  bounds: { readonly min?: number; readonly max?: number } = {},
): { readonly scale: number; readonly nll: number } {
  if (samples.length === 0) throw new ValidationError('no samples to calibrate on');
  return minimiseScale((scale) => negativeLogLikelihood(samples, scale), bounds);
}

/**
 * The scale in [min, max] minimising `loss`, by golden-section search on log(scale) (for losses that are smooth
 * and unimodal in the scale, as negative log-likelihoods of softmax-like models are).
 */
export function minimiseScale(
  loss: (scale: number) => number,
  bounds: { readonly min?: number; readonly max?: number } = {},
): { readonly scale: number; readonly nll: number } {
  let lo = Math.log(bounds.min ?? 0.01);
  let hi = Math.log(bounds.max ?? 1000);
  const g = (Math.sqrt(5) - 1) / 2;
  const f = (x: number) => loss(Math.exp(x));
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = f(b);
    }
  }
  const scale = Math.exp((lo + hi) / 2);
  return { scale, nll: loss(scale) };
}

/**
 * Expected calibration error: predictions binned by confidence, the gap between mean confidence and accuracy in
 * each bin, weighted by the bin's size. 0 is perfectly calibrated.
 */
export function expectedCalibrationError(
  predictions: readonly { readonly confidence: number; readonly correct: boolean }[],
  bins = 10,
): number {
  if (predictions.length === 0) return 0;
  const sums = Array.from({ length: bins }, () => ({ n: 0, conf: 0, acc: 0 }));
  for (const p of predictions) {
    const b = sums[Math.min(bins - 1, Math.floor(p.confidence * bins))]!;
    b.n++;
    b.conf += p.confidence;
    b.acc += p.correct ? 1 : 0;
  }
  return sums.reduce(
    (e, b) => (b.n ? e + (b.n / predictions.length) * Math.abs(b.conf / b.n - b.acc / b.n) : e),
    0,
  );
}

const fileSchema = z.object({
  modelId: z.string().min(1),
  fittedAt: z.string().optional(),
  scales: z.partialRecord(
    z.enum(CALIBRATION_KEYS as [CalibrationKey, ...CalibrationKey[]]),
    z.object({ scale: z.number().positive().max(10_000), n: z.number().int().nonnegative().optional() }),
  ),
  /**
   * Per attribute read from pictures: the confidence from which its values are stored as facts (fitted for
   * {@link FACT_PRECISION} held-out precision). An attribute without one is never a fact.
   */
  thresholds: z
    .partialRecord(
      z.enum(ATTRIBUTE_NAMES as unknown as [AttributeName, ...AttributeName[]]),
      z.object({
        threshold: z.number().min(0).max(1),
        precision: z.number().min(0).max(1).optional(),
        n: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
});

/** A calibration file as `eval-vqa --fit-calibration` writes it. */
export type CalibrationFile = z.infer<typeof fileSchema>;

/**
 * The fitted logit scales for one model. A file fitted for another model id is ignored (its scales mean nothing
 * for this model's similarities): every key then falls back to {@link DEFAULT_LOGIT_SCALE}, marked uncalibrated.
 */
export class Calibration {
  private readonly scales: Partial<Record<CalibrationKey, number>>;
  private readonly thresholds: Partial<Record<AttributeName, number>> = {};

  constructor(
    readonly modelId: string,
    file?: CalibrationFile,
  ) {
    this.scales = {};
    if (file && file.modelId === modelId) {
      for (const [k, v] of Object.entries(file.scales)) this.scales[k as CalibrationKey] = v.scale;
      for (const [k, v] of Object.entries(file.thresholds ?? {}))
        this.thresholds[k as AttributeName] = v.threshold;
    }
  }

  static load(modelId: string, path: string | undefined): Calibration {
    if (!path) return new Calibration(modelId);
    let json: unknown;
    try {
      json = parseJsonFile(readFileSync(path, 'utf8'), path);
    } catch (e) {
      if (e instanceof JsonFileError) throw new ValidationError(`invalid calibration file ${e.message}`);
      throw new ValidationError(`cannot read the calibration file ${path}: ${(e as Error).message}`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success)
      throw new ValidationError(`invalid calibration file ${path}: ${parsed.error.message}`);
    return new Calibration(modelId, parsed.data);
  }

  scale(key: CalibrationKey): number {
    return this.scales[key] ?? DEFAULT_LOGIT_SCALE;
  }

  calibrated(key: CalibrationKey): boolean {
    return this.scales[key] !== undefined;
  }

  /** The confidence from which `attribute`'s values are facts; undefined: never (no held-out fit). */
  factThreshold(attribute: AttributeName): number | undefined {
    return this.thresholds[attribute];
  }
}
