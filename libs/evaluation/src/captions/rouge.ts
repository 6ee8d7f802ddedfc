import type { TokenizedSample } from './bleu';

/** coco-caption's ROUGE-L weighting of recall over precision (`pycocoevalcap/rouge/rouge.py`). */
export const ROUGE_L_BETA = 1.2;

/** Length of the longest common subsequence of two token lists (dynamic programming, two rows). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Array<number>(short.length + 1).fill(0);
  let row = new Array<number>(short.length + 1).fill(0);
  for (let i = 1; i <= long.length; i++) {
    for (let j = 1; j <= short.length; j++) {
      row[j] = long[i - 1] === short[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    [prev, row] = [row, prev];
  }
  return prev[short.length]!;
}

/**
 * ROUGE-L of one candidate as coco-caption computes it: precision and recall of the LCS against each reference,
 * the maximum of each over the references (taken separately), then F with beta 1.2. Tokens are split on single
 * spaces, as in rouge.py.
 */
export function rougeL(sample: TokenizedSample, beta = ROUGE_L_BETA): number {
  const candidate = sample.candidate.split(' ');
  let precision = 0;
  let recall = 0;
  for (const reference of sample.references) {
    const ref = reference.split(' ');
    const lcs = lcsLength(ref, candidate);
    precision = Math.max(precision, lcs / candidate.length);
    recall = Math.max(recall, lcs / ref.length);
  }
  if (precision === 0 || recall === 0) return 0;
  return ((1 + beta ** 2) * precision * recall) / (recall + beta ** 2 * precision);
}

/** Mean ROUGE-L over samples, and each sample's score. */
export function corpusRougeL(samples: readonly TokenizedSample[]): { score: number; perSample: number[] } {
  const perSample = samples.map((s) => rougeL(s));
  return { score: mean(perSample), perSample };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
