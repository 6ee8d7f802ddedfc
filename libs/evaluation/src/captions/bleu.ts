import { ngramCounts, orderOf, splitWords } from './ngrams';

/** One candidate and its references, already tokenised (tokens separated by single spaces). */
export interface TokenizedSample {
  readonly candidate: string;
  readonly references: readonly string[];
}

export interface BleuResult {
  /** BLEU-1..BLEU-n, corpus level (cumulative geometric means, each with the brevity penalty). */
  readonly scores: readonly number[];
  /** Clipped n-gram matches per order, summed over the corpus. */
  readonly correct: readonly number[];
  /** Candidate n-grams per order, summed over the corpus. */
  readonly guess: readonly number[];
  readonly candidateLength: number;
  /** Sum over samples of the reference length closest to the candidate's (ties: the shorter). */
  readonly referenceLength: number;
}

// The smoothing constants of coco-caption's bleu_scorer.py: a zero match count gives a tiny, not an undefined, score.
const SMALL = 1e-9;
const TINY = 1e-15;

/**
 * Corpus BLEU as coco-caption computes it (`pycocoevalcap/bleu/bleu_scorer.py`, `compute_score(option='closest')`):
 * n-gram matches clipped by the maximum count in any one reference, summed over the corpus; the effective
 * reference length of each sample is the reference length closest to the candidate's (the shorter on a tie);
 * brevity penalty `exp(1 - r/c)` when the corpus candidate length c is below r. BLEU-k is the geometric mean of
 * the first k precisions times the penalty.
 */
export function corpusBleu(samples: readonly TokenizedSample[], n = 4): BleuResult {
  const correct = new Array<number>(n).fill(0);
  const guess = new Array<number>(n).fill(0);
  let candidateLength = 0;
  let referenceLength = 0;
  for (const sample of samples) {
    const maxRef = new Map<string, number>();
    const refLengths: number[] = [];
    for (const ref of sample.references) {
      const words = splitWords(ref);
      refLengths.push(words.length);
      for (const [gram, count] of ngramCounts(words, n)) {
        if (count > (maxRef.get(gram) ?? 0)) maxRef.set(gram, count);
      }
    }
    const words = splitWords(sample.candidate);
    const testLength = words.length;
    candidateLength += testLength;
    referenceLength += closest(refLengths, testLength);
    for (let k = 1; k <= n; k++) guess[k - 1]! += Math.max(0, testLength - k + 1);
    for (const [gram, count] of ngramCounts(words, n)) {
      correct[orderOf(gram) - 1]! += Math.min(maxRef.get(gram) ?? 0, count);
    }
  }
  const scores: number[] = [];
  const ratio = (candidateLength + TINY) / (referenceLength + SMALL);
  const penalty = ratio < 1 ? Math.exp(1 - 1 / ratio) : 1;
  let product = 1;
  for (let k = 0; k < n; k++) {
    product *= (correct[k]! + TINY) / (guess[k]! + SMALL);
    scores.push(product ** (1 / (k + 1)) * penalty);
  }
  return { scores, correct, guess, candidateLength, referenceLength };
}

/** `min((abs(l - c), l) for l in lengths)[1]`: the closest length, the shorter one on a tie. */
function closest(lengths: readonly number[], c: number): number {
  let best = lengths[0] ?? 0;
  for (const l of lengths) {
    const d = Math.abs(l - c);
    const bd = Math.abs(best - c);
    if (d < bd || (d === bd && l < best)) best = l;
  }
  return best;
}
