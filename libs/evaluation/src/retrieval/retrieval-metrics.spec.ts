import { computeRetrievalMetrics, firstRelevantRank, ndcgAt } from './retrieval-metrics';

describe('retrieval metrics (hand-computed cases)', () => {
  // Four queries whose first relevant item sits at ranks 1, 3, 12 and "not returned" (gallery of 20 → miss = 21).
  const queries = [
    { ranking: ['a', 'b', 'c'], relevant: ['a'] },
    { ranking: ['x', 'y', 'b', 'z'], relevant: ['b'] },
    { ranking: [...'abcdefghijk'.split(''), 'hit'], relevant: ['hit'] },
    { ranking: ['p', 'q'], relevant: ['nope'] },
  ];

  it('finds the first relevant rank, or the miss rank', () => {
    expect(queries.map((q) => firstRelevantRank(q, 21))).toEqual([1, 3, 12, 21]);
  });

  it('aggregates R@K, MedR, MeanR, MRR', () => {
    const m = computeRetrievalMetrics(queries, 21);
    expect(m.n).toBe(4);
    expect(m['R@1']).toBe(0.25);
    expect(m['R@5']).toBe(0.5);
    expect(m['R@10']).toBe(0.5);
    expect(m.MedR).toBe((3 + 12) / 2);
    expect(m.MeanR).toBe((1 + 3 + 12 + 21) / 4);
    expect(m.MRR).toBeCloseTo((1 + 1 / 3 + 1 / 12 + 0) / 4, 12);
  });

  it('takes the middle rank for an odd number of queries', () => {
    expect(computeRetrievalMetrics(queries.slice(0, 3), 21).MedR).toBe(3);
  });

  it('computes binary nDCG@10 against the ideal ranking', () => {
    // Relevant {a, c}; ranking a, b, c → DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3).
    expect(ndcgAt({ ranking: ['a', 'b', 'c'], relevant: ['a', 'c'] }, 10)).toBeCloseTo(
      1.5 / (1 + 1 / Math.log2(3)),
      12,
    );
    expect(ndcgAt({ ranking: ['b', 'a'], relevant: ['a'] }, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    // Outside the cut-off earns nothing; duplicates earn once.
    expect(ndcgAt({ ranking: [...'bcdefghijk'.split(''), 'a'], relevant: ['a'] }, 10)).toBe(0);
    expect(ndcgAt({ ranking: ['a', 'a'], relevant: ['a', 'z'] }, 10)).toBeCloseTo(
      1 / (1 + 1 / Math.log2(3)),
      12,
    );
  });

  it('returns zeros for no queries rather than NaN', () => {
    expect(computeRetrievalMetrics([], 10)).toMatchObject({ n: 0, 'R@1': 0, MeanR: 0 });
  });
});
