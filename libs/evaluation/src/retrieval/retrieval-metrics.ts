/**
 * Retrieval metrics as used in the image–text retrieval literature (VSE++, CLIP): Recall@K, median and mean
 * rank of the first relevant item, mean reciprocal rank and binary-relevance nDCG@10.
 */

/** One evaluated query: the ranking the system returned and the ids that count as correct. */
export interface RankedQuery {
  /** Result ids in rank order (best first). */
  readonly ranking: readonly string[];
  readonly relevant: ReadonlySet<string> | readonly string[];
}

export interface RetrievalMetrics {
  readonly n: number;
  readonly 'R@1': number;
  readonly 'R@5': number;
  readonly 'R@10': number;
  /** Median (1-based) rank of the first relevant result; the mean of the two middle values for even n. */
  readonly MedR: number;
  readonly MeanR: number;
  readonly MRR: number;
  readonly 'nDCG@10': number;
}

/**
 * 1-based rank of the first relevant id in `ranking`, or `missRank` when none was returned (the evaluator
 * passes the gallery size + 1, i.e. "ranked after everything", so MeanR stays finite and pessimistic).
 */
export function firstRelevantRank(query: RankedQuery, missRank: number): number {
  const relevant = toSet(query.relevant);
  const i = query.ranking.findIndex((id) => relevant.has(id));
  return i === -1 ? missRank : i + 1;
}

/** Binary-relevance nDCG@k: DCG = Σ rel_i / log2(i + 1) over the top k, normalised by the ideal ranking. */
export function ndcgAt(query: RankedQuery, k: number): number {
  const relevant = toSet(query.relevant);
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const seen = new Set<string>();
  query.ranking.slice(0, k).forEach((id, i) => {
    // A duplicate id in a ranking earns nothing the second time.
    if (relevant.has(id) && !seen.has(id)) dcg += 1 / Math.log2(i + 2);
    seen.add(id);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(relevant.size, k); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** Aggregates per-query results; `missRank` as in {@link firstRelevantRank}. */
export function computeRetrievalMetrics(queries: readonly RankedQuery[], missRank: number): RetrievalMetrics {
  const n = queries.length;
  if (n === 0) return { n: 0, 'R@1': 0, 'R@5': 0, 'R@10': 0, MedR: 0, MeanR: 0, MRR: 0, 'nDCG@10': 0 };
  const ranks = queries.map((q) => firstRelevantRank(q, missRank));
  // A query whose relevant item was never returned contributes 0 to MRR (and missRank to MedR/MeanR).
  const reciprocal = queries.map((q, i) => (hasRelevant(q) ? 1 / ranks[i]! : 0));
  const recallAt = (k: number) => ranks.filter((r) => r <= k).length / n;
  const sorted = [...ranks].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const medR = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    n,
    'R@1': recallAt(1),
    'R@5': recallAt(5),
    'R@10': recallAt(10),
    MedR: medR,
    MeanR: mean(ranks),
    MRR: mean(reciprocal),
    'nDCG@10': mean(queries.map((q) => ndcgAt(q, 10))),
  };
}

function hasRelevant(query: RankedQuery): boolean {
  const relevant = toSet(query.relevant);
  return query.ranking.some((id) => relevant.has(id));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function toSet(ids: ReadonlySet<string> | readonly string[]): ReadonlySet<string> {
  return ids instanceof Set ? ids : new Set(ids as readonly string[]);
}
