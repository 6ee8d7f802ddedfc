import { PRODUCTS_ALIAS, type VectorStore } from '@vitrine/vectors';
import { dot } from '@vitrine/embedding';

/** A catalog product near a picture. */
export interface SimilarProduct {
  readonly id: string;
  readonly category: string | null;
  /** Cosine similarity of the product's image vector to the picture. */
  readonly similarity: number;
}

/**
 * The catalog products whose pictures are nearest to a picture: for a picture the catalog does not have (an
 * upload, a product without a category), what kind of product it is is best told by what it looks like in the
 * catalog. The port the answerer uses; {@link VectorStoreNeighbours} reads the live search index.
 */
export interface SimilarProductsIndex {
  /** Up to `k` products, nearest first, never `excludeId` (the product asked about). */
  nearest(image: Float32Array, k: number, excludeId?: string): Promise<SimilarProduct[]>;
}

/** Neighbours from the vector store's live `products` alias (image vectors); none while it serves another model. */
export class VectorStoreNeighbours implements SimilarProductsIndex {
  constructor(
    private readonly store: VectorStore,
    private readonly modelId: string,
  ) {}

  async nearest(image: Float32Array, k: number, excludeId?: string): Promise<SimilarProduct[]> {
    if (!(await this.store.resolveAlias(PRODUCTS_ALIAS))) return [];
    const hits = await this.store.search(PRODUCTS_ALIAS, {
      vector: 'image',
      query: image,
      limit: k,
      ...(excludeId ? { filter: { excludeIds: [excludeId] } } : {}),
    });
    // Vectors of another model live in another space: their neighbours would mean nothing.
    return hits
      .filter((h) => h.payload.modelId === this.modelId)
      .map((h) => ({ id: h.id, category: h.payload.category ?? null, similarity: h.score }));
  }
}

/** Neighbours by exact scan over vectors held in memory (evaluation on a catalog file, tests). */
export class InMemoryNeighbours implements SimilarProductsIndex {
  constructor(
    private readonly entries: ReadonlyArray<{
      readonly id: string;
      readonly category: string | null;
      readonly vector: Float32Array;
    }>,
  ) {}

  nearest(image: Float32Array, k: number, excludeId?: string): Promise<SimilarProduct[]> {
    return Promise.resolve(
      this.entries
        .filter((e) => e.id !== excludeId)
        .map((e) => ({ id: e.id, category: e.category, similarity: dot(image, e.vector) }))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, k),
    );
  }
}

/**
 * Categories of the neighbours as probabilities: neighbour i votes for its category with weight
 * `exp(scale · similarity_i)` (a softmax over the neighbours, so `scale` — fitted like a logit scale — decides how
 * much the nearest outweighs the rest), normalised over the votes. Most probable first; empty without votes.
 */
export function categoryVote(
  neighbours: readonly SimilarProduct[],
  scale: number,
): { value: string; probability: number }[] {
  const voters = neighbours.filter((n) => n.category);
  if (voters.length === 0) return [];
  const max = Math.max(...voters.map((n) => n.similarity));
  const weights = new Map<string, number>();
  for (const n of voters) {
    weights.set(n.category!, (weights.get(n.category!) ?? 0) + Math.exp(scale * (n.similarity - max)));
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  return [...weights.entries()]
    .map(([value, w]) => ({ value, probability: w / total }))
    .sort((a, b) => b.probability - a.probability || a.value.localeCompare(b.value));
}
