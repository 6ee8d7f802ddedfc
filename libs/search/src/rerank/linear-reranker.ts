import { mmrOrder } from './mmr';
import type { EvidenceWeights, RerankCandidate, RerankQuery, RerankedCandidate, Reranker } from './reranker';
import { dot } from '@vitrine/embedding';

export interface LinearRerankerSettings {
  /** Weights of the image-vector cosine, text-vector cosine and lexical evidence. */
  readonly weights: EvidenceWeights;
  /** Added to the score of in-stock products. */
  readonly boostInStock: number;
  /** Multiplies popularity, log-scaled to [0, 1] within the candidates. */
  readonly boostPopularity: number;
  /** MMR trade-off; 1 turns diversity off. */
  readonly mmrLambda: number;
}

type Feature = 'cosImage' | 'cosText' | 'lexical';

/**
 * The default second stage. Each candidate gets exact cosines between the query and both of its vectors (the
 * first stage may have approximated them, or not computed one at all), and its lexical match. Each feature is
 * min–max scaled over the candidates (over at least {@link MIN_SPREAD}), because cosines of different modality
 * pairs live on different scales (text→image around 0.3, image→image near 0.9 with CLIP), then mixed with the
 * configured weights:
 *
 *   relevance = Σ w_f · scaled_f / Σ w_f        (features the query cannot have, e.g. lexical for a picture, drop out)
 *   score     = relevance + boostInStock · inStock + boostPopularity · log1p(pop) / log1p(max pop)
 *
 * A candidate without one of the vectors (a product without a picture) counts as the candidates' average on that
 * feature: unknown evidence is neither the best nor the worst, so an exact title match without a picture is not
 * ranked below a weak match that has one.
 *
 * With `mmrLambda` < 1 the order is then diversified by maximal marginal relevance on the image vectors.
 */
export class LinearReranker implements Reranker {
  readonly name: string;

  constructor(private readonly settings: LinearRerankerSettings) {
    this.name = settings.mmrLambda < 1 ? 'linear+mmr' : 'linear';
  }

  rerank(query: RerankQuery, candidates: readonly RerankCandidate[], take: number): RerankedCandidate[] {
    const raw = candidates.map((c) => ({
      cosImage:
        query.vectors.image && c.vectors.image ? dot(query.vectors.image, c.vectors.image) : undefined,
      cosText: query.vectors.text && c.vectors.text ? dot(query.vectors.text, c.vectors.text) : undefined,
      lexical: query.text ? c.lexical : undefined,
    }));
    const w = query.weights ?? this.settings.weights;
    const weightOf: Record<Feature, number> = {
      cosImage: query.vectors.image ? w.image : 0,
      cosText: query.vectors.text ? w.text : 0,
      lexical: query.text ? w.lexical : 0,
    };
    const features = (['cosImage', 'cosText', 'lexical'] as const).filter((f) => weightOf[f] > 0);
    const totalWeight = features.reduce((s, f) => s + weightOf[f], 0) || 1;
    const scaled = Object.fromEntries(features.map((f) => [f, minMax(raw.map((r) => r[f]))])) as Record<
      Feature,
      number[]
    >;
    const maxPopularity = Math.max(0, ...candidates.map((c) => c.popularity ?? 0));

    const scored = candidates.map((c, i) => {
      const relevance = features.reduce((s, f) => s + weightOf[f] * scaled[f][i]!, 0) / totalWeight;
      const popularity =
        maxPopularity > 0 && c.popularity !== undefined
          ? Math.log1p(c.popularity) / Math.log1p(maxPopularity)
          : 0;
      const inStock = c.inStock ? this.settings.boostInStock : 0;
      const pop = this.settings.boostPopularity * popularity;
      const components: Record<string, number> = {
        ...(raw[i]!.cosImage !== undefined ? { cosImage: raw[i]!.cosImage } : {}),
        ...(raw[i]!.cosText !== undefined ? { cosText: raw[i]!.cosText } : {}),
        ...(raw[i]!.lexical !== undefined ? { lexical: raw[i]!.lexical } : {}),
        relevance,
        inStockBoost: inStock,
        popularityBoost: pop,
      };
      return {
        id: c.id,
        score: relevance + inStock + pop,
        components,
        vector: c.vectors.image ?? c.vectors.text,
      };
    });

    if (this.settings.mmrLambda >= 1) {
      return scored
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .map(({ id, score, components }) => ({ id, score, components: { ...components, score } }));
    }
    const { order, penalties } = mmrOrder(scored, this.settings.mmrLambda, take);
    return order.map((index, rank) => {
      const s = scored[index]!;
      // The order is the MMR order; the score shown is the relevance score less the diversity penalty.
      const score = s.score - penalties[rank]!;
      return { id: s.id, score, components: { ...s.components, diversityPenalty: penalties[rank]!, score } };
    });
  }
}

/**
 * Smallest spread treated as a full-scale difference. Without it, min–max scaling would blow a meaningless
 * 0.005 difference between near-identical cosines (a weak model, a pool of look-alikes) up to the same weight as a
 * decisive one; with it, a feature whose values barely differ across the candidates barely counts.
 */
export const MIN_SPREAD = 0.05;

/**
 * Scales defined values to [0, 1] over max(range, {@link MIN_SPREAD}). Undefined (the candidate has no such vector)
 * gets the mean of the defined scaled values, or 0 when none is defined.
 */
function minMax(values: readonly (number | undefined)[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === undefined) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
    n++;
  }
  const spread = Math.max(hi - lo, MIN_SPREAD);
  const unknown = n > 0 ? (sum / n - lo) / spread : 0;
  return values.map((v) => (v === undefined ? unknown : (v - lo) / spread));
}
