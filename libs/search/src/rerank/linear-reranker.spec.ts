import { LinearReranker } from './linear-reranker';
import type { RerankCandidate } from './reranker';

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

function candidate(id: string, over: Partial<RerankCandidate> = {}): RerankCandidate {
  return {
    id,
    firstStage: { rrf: 0, ranks: {} },
    vectors: {},
    lexical: 0,
    inStock: true,
    popularity: undefined,
    ...over,
  };
}

const settings = {
  weights: { image: 1, text: 1, lexical: 1 },
  boostInStock: 0,
  boostPopularity: 0,
  mmrLambda: 1,
};

describe('LinearReranker', () => {
  const q = unit(1, 0);

  it('orders by exact cosine on both vectors and lexical evidence, whatever the first-stage order', () => {
    const reranker = new LinearReranker(settings);
    const out = reranker.rerank(
      { text: 'red mug', vectors: { image: q, text: q } },
      [
        candidate('far', {
          vectors: { image: unit(0, 1), text: unit(0, 1) },
          firstStage: { rrf: 1, ranks: {} },
        }),
        candidate('near', { vectors: { image: unit(1, 0.1), text: unit(1, 0.2) }, lexical: 0.5 }),
        candidate('mid', { vectors: { image: unit(1, 1), text: unit(1, 1) }, lexical: 0.1 }),
      ],
      3,
    );
    expect(out.map((c) => c.id)).toEqual(['near', 'mid', 'far']);
    expect(out[0]!.components).toMatchObject({ relevance: 1, lexical: 0.5 });
    expect(out[0]!.components.cosImage).toBeCloseTo(0.995, 3);
  });

  it('ignores lexical evidence for a query without words', () => {
    const reranker = new LinearReranker(settings);
    const out = reranker.rerank(
      { vectors: { image: q } },
      [
        candidate('words', { lexical: 0.9, vectors: { image: unit(1, 1) } }),
        candidate('picture', { vectors: { image: unit(1, 0.5) } }),
      ],
      2,
    );
    expect(out.map((c) => c.id)).toEqual(['picture', 'words']);
    expect(out[1]!.components.lexical).toBeUndefined();
  });

  it("counts a missing vector as the candidates' average on it, neither best nor worst", () => {
    const reranker = new LinearReranker({ ...settings, weights: { image: 1, text: 0, lexical: 1 } });
    const query = { text: 'zebra plush', vectors: { image: q, text: q } };
    const out = reranker.rerank(
      query,
      [
        // The exact title match has no picture; a plush bear looks most like the words and barely matches them.
        candidate('bear', { vectors: { image: unit(1, 0.2), text: q }, lexical: 0.12 }),
        candidate('zebra', { vectors: { text: q }, lexical: 0.51 }),
        candidate('masks', { vectors: { image: unit(1, 0.9), text: q }, lexical: 0 }),
        candidate('stapler', { vectors: { image: unit(0.2, 1), text: q }, lexical: 0 }),
      ],
      4,
    );
    expect(out.map((c) => c.id)).toEqual(['zebra', 'bear', 'masks', 'stapler']);
    expect(out[0]!.components.cosImage).toBeUndefined();
    // With the same words, the product whose picture is known and good still comes first.
    const tie = reranker.rerank(
      query,
      [
        candidate('no-picture', { vectors: { text: q }, lexical: 0.5 }),
        candidate('good-picture', { vectors: { image: unit(1, 0.1), text: q }, lexical: 0.5 }),
        candidate('poor-picture', { vectors: { image: unit(0.1, 1), text: q }, lexical: 0.5 }),
      ],
      3,
    );
    expect(tie.map((c) => c.id)).toEqual(['good-picture', 'no-picture', 'poor-picture']);
  });

  it("uses the query's own weights when it carries them", () => {
    const reranker = new LinearReranker({ ...settings, weights: { image: 1, text: 0, lexical: 0 } });
    const candidates = [
      candidate('image-match', { vectors: { image: q, text: unit(0, 1) } }),
      candidate('text-match', { vectors: { image: unit(0, 1), text: q } }),
    ];
    expect(reranker.rerank({ vectors: { image: q, text: q } }, candidates, 2)[0]!.id).toBe('image-match');
    const textOnly = { image: 0, text: 1, lexical: 0 };
    expect(reranker.rerank({ vectors: { image: q, text: q }, weights: textOnly }, candidates, 2)[0]!.id).toBe(
      'text-match',
    );
  });

  it('does not let a feature whose values barely differ decide the order', () => {
    const reranker = new LinearReranker({ ...settings, weights: { image: 1, text: 0, lexical: 1 } });
    // Image cosines differ by 0.01 (noise); the lexical match differs clearly.
    const out = reranker.rerank(
      { text: 'red apple', vectors: { image: q } },
      [
        candidate('lookalike', { vectors: { image: unit(1, 0.3) }, lexical: 0.3 }),
        candidate('named', { vectors: { image: unit(1, 0.32) }, lexical: 0.7 }),
      ],
      2,
    );
    expect(out.map((c) => c.id)).toEqual(['named', 'lookalike']);
  });

  it('boosts in-stock and popular products by the configured amounts', () => {
    const reranker = new LinearReranker({ ...settings, boostInStock: 0.5, boostPopularity: 0.2 });
    const same = { vectors: { image: q, text: q } };
    const out = reranker.rerank(
      { vectors: { image: q, text: q } },
      [
        candidate('sold-out', { ...same, inStock: false, popularity: 1000 }),
        candidate('in-stock', { ...same, inStock: true, popularity: 0 }),
        candidate('in-stock-popular', { ...same, inStock: true, popularity: 10 }),
      ],
      3,
    );
    expect(out.map((c) => c.id)).toEqual(['in-stock-popular', 'in-stock', 'sold-out']);
    expect(out[0]!.components.inStockBoost).toBe(0.5);
    expect(out[2]!.components.popularityBoost).toBeCloseTo(0.2);
    expect(out[0]!.components.popularityBoost).toBeCloseTo((0.2 * Math.log1p(10)) / Math.log1p(1000));
  });

  it('with MMR, puts a different-looking product before a near-duplicate of the first', () => {
    const reranker = new LinearReranker({
      ...settings,
      weights: { image: 1, text: 0, lexical: 0 },
      mmrLambda: 0.5,
    });
    expect(reranker.name).toBe('linear+mmr');
    const out = reranker.rerank(
      { vectors: { image: q } },
      [
        candidate('best', { vectors: { image: unit(1, 0.3) } }),
        candidate('duplicate', { vectors: { image: unit(1, 0.31) } }),
        candidate('different', { vectors: { image: unit(1, -0.6) } }),
        candidate('unrelated', { vectors: { image: unit(0, 1) } }),
      ],
      4,
    );
    expect(out.map((c) => c.id)).toEqual(['best', 'different', 'duplicate', 'unrelated']);
    expect(out[2]!.components.diversityPenalty).toBeGreaterThan(0.4);
  });
});
