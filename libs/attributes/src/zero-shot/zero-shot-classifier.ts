import type { Calibration, CalibrationKey } from './calibration';
import { capConfidence, softmax } from './calibration';
import { dot } from '@vitrine/embedding';
import type { PromptBank } from './prompt-bank';
import type { AttributeName, Vocabulary } from './vocabularies';

export interface Candidate {
  readonly value: string;
  readonly probability: number;
  /** Cosine similarity of the image to the value's prompt ensemble. */
  readonly similarity: number;
}

/** A zero-shot prediction over one vocabulary. */
export interface ZeroShotPrediction {
  readonly attribute: AttributeName;
  readonly value: string;
  /** Probability of {@link value} under the (calibrated when fitted) softmax. */
  readonly confidence: number;
  /** Every candidate, most probable first. */
  readonly candidates: readonly Candidate[];
  /** Whether the logit scale was fitted on held-out data for this model. */
  readonly calibrated: boolean;
  readonly modelId: string;
}

/** The outcome of contrasting a target with its alternatives. */
export interface Contrast {
  /** P(target) / (P(target) + P(strongest alternative)): above 0.5 the target wins. */
  readonly pYes: number;
  readonly strongestAlternative: string | undefined;
  readonly calibrated: boolean;
}

/**
 * Zero-shot classification with the CLIP model: the image embedding against each label's prompt ensemble,
 * cosine similarities turned into probabilities by a softmax with the calibrated logit scale.
 */
export class ZeroShotClassifier {
  constructor(
    private readonly prompts: PromptBank,
    private readonly calibration: Calibration,
  ) {}

  get modelId(): string {
    return this.prompts.modelId;
  }

  /** Similarities of `image` to each label of `vocabulary` (label order). */
  async similarities(image: Float32Array, vocabulary: Vocabulary): Promise<number[]> {
    const labels = await this.prompts.labelEmbeddings(vocabulary);
    return labels.map((l) => dot(image, l));
  }

  async classify(image: Float32Array, vocabulary: Vocabulary): Promise<ZeroShotPrediction> {
    const sims = await this.similarities(image, vocabulary);
    const probs = softmax(sims, this.calibration.scale(vocabulary.attribute));
    const candidates = vocabulary.labels
      .map((value, i) => ({ value, probability: probs[i]!, similarity: sims[i]! }))
      .sort((a, b) => b.probability - a.probability);
    return {
      attribute: vocabulary.attribute,
      value: candidates[0]!.value,
      confidence: capConfidence(candidates[0]!.probability),
      candidates,
      calibrated: this.calibration.calibrated(vocabulary.attribute),
      modelId: this.modelId,
    };
  }

  /**
   * Yes/no by contrasting prompts: the target's prompt ensemble against each alternative's, one softmax, then the
   * target against the strongest alternative. `key` picks the logit scale.
   */
  async contrast(
    image: Float32Array,
    target: readonly string[],
    alternatives: ReadonlyArray<{ readonly name: string; readonly prompts: readonly string[] }>,
    key: CalibrationKey = 'yes-no',
  ): Promise<Contrast> {
    const vectors = await Promise.all([
      this.prompts.ensemble(target),
      ...alternatives.map((a) => this.prompts.ensemble(a.prompts)),
    ]);
    const probs = softmax(
      vectors.map((v) => dot(image, v)),
      this.calibration.scale(key),
    );
    let best = -1;
    for (let i = 1; i < probs.length; i++) if (best < 0 || probs[i]! > probs[best]!) best = i;
    const pt = probs[0]!;
    const pa = best > 0 ? probs[best]! : 0;
    const pYes = pt + pa > 0 ? pt / (pt + pa) : 0.5;
    return {
      // Neither side may claim certainty: pYes stays within [1 - cap, cap].
      pYes: Math.max(1 - capConfidence(1), capConfidence(pYes)),
      strongestAlternative: best > 0 ? alternatives[best - 1]!.name : undefined,
      calibrated: this.calibration.calibrated(key),
    };
  }

  /** The logit scale in force for `key` (fitted, or the default). */
  scale(key: CalibrationKey): number {
    return this.calibration.scale(key);
  }

  /** The confidence from which `attribute`'s zero-shot values are stored as facts (undefined: never). */
  factThreshold(attribute: AttributeName): number | undefined {
    return this.calibration.factThreshold(attribute);
  }

  /** Whether `key`'s scale was fitted for this model. */
  calibrated(key: CalibrationKey): boolean {
    return this.calibration.calibrated(key);
  }

  /** Probabilities from a vocabulary's similarities, with the right scale (for callers that reuse similarities). */
  probabilities(similarities: readonly number[], key: CalibrationKey): number[] {
    return softmax(similarities, this.calibration.scale(key));
  }
}
