import type { TokenizedSample } from './bleu';
import { ngramCounts, orderOf, splitWords } from './ngrams';

export interface CiderOptions {
  /** Largest n-gram order (4). */
  readonly n?: number;
  /** Standard deviation of the Gaussian length penalty, in words (6). */
  readonly sigma?: number;
}

interface TfIdf {
  /** Per order, n-gram → tf·idf weight. */
  readonly vec: Map<string, number>[];
  readonly norm: number[];
  /** coco-caption counts bigrams here (its `if n == 1`); for sentences of ≥ 1 word that is words - 1. */
  readonly length: number;
}

/**
 * CIDEr-D as coco-caption computes it (`pycocoevalcap/cider/cider_scorer.py`): tf·idf vectors of 1..4-grams with
 * document frequencies from the references of the evaluated corpus (idf `log(N) - log(max(1, df))`, N the number of
 * samples), a clipped cosine `Σ min(h, r)·r / (|h||r|)` per order (0 when either vector is empty), a Gaussian
 * length penalty `exp(-δ²/2σ²)` with σ = 6, the mean over orders and over references, times 10.
 *
 * Corpus-dependent by design: a single sample scores 0 (every idf is log 1 = 0).
 */
export function corpusCiderD(
  samples: readonly TokenizedSample[],
  options: CiderOptions = {},
): { score: number; perSample: number[] } {
  const n = options.n ?? 4;
  const sigma = options.sigma ?? 6;
  const refCounts = samples.map((s) => s.references.map((r) => ngramCounts(splitWords(r), n)));
  const df = new Map<string, number>();
  for (const refs of refCounts) {
    const seen = new Set<string>();
    for (const counts of refs) for (const gram of counts.keys()) seen.add(gram);
    for (const gram of seen) df.set(gram, (df.get(gram) ?? 0) + 1);
  }
  const refLen = Math.log(samples.length);
  const toVec = (counts: Map<string, number>): TfIdf => {
    const vec = Array.from({ length: n }, () => new Map<string, number>());
    const squares = new Array<number>(n).fill(0);
    let length = 0;
    for (const [gram, tf] of counts) {
      const order = orderOf(gram) - 1;
      const w = tf * (refLen - Math.log(Math.max(1, df.get(gram) ?? 0)));
      vec[order]!.set(gram, w);
      squares[order]! += w * w;
      if (order === 1) length += tf;
    }
    return { vec, norm: squares.map(Math.sqrt), length };
  };
  const penalty = (delta: number) => Math.exp(-(delta * delta) / (2 * sigma * sigma));

  const perSample = samples.map((sample, i) => {
    const hyp = toVec(ngramCounts(splitWords(sample.candidate), n));
    const refs = refCounts[i]!;
    let total = 0;
    for (const counts of refs) {
      const ref = toVec(counts);
      const lp = penalty(hyp.length - ref.length);
      for (let k = 0; k < n; k++) {
        let val = 0;
        for (const [gram, h] of hyp.vec[k]!) {
          const r = ref.vec[k]!.get(gram) ?? 0;
          val += Math.min(h, r) * r;
        }
        if (hyp.norm[k] !== 0 && ref.norm[k] !== 0) val /= hyp.norm[k]! * ref.norm[k]!;
        total += val * lp;
      }
    }
    return refs.length === 0 ? 0 : ((total / n) * 10) / refs.length;
  });
  const score = perSample.length === 0 ? 0 : perSample.reduce((a, b) => a + b, 0) / perSample.length;
  return { score, perSample };
}
