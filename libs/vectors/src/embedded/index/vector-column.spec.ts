import { Prng } from '../../prng';
import { RandomRotation } from './random-rotation';
import { TopK } from './top-k';
import { VectorColumn, type SearchTuning } from './vector-column';

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * `n` unit vectors around `clusters` random centres plus a shared offset, like real embeddings; the last
 * `queries` of them are held out as queries from the same distribution.
 */
function clustered(rng: Prng, n: number, queries: number, dim: number, clusters: number) {
  const common = Float32Array.from({ length: dim }, () => rng.gaussian());
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: dim }, () => rng.gaussian()),
  );
  const all = Array.from({ length: n + queries }, () => {
    const c = centres[rng.int(clusters)]!;
    return unit(Float32Array.from({ length: dim }, (_, j) => c[j]! + common[j]! + 0.8 * rng.gaussian()));
  });
  return { vectors: all.slice(0, n), queries: all.slice(n) };
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Forces the prescan path with few candidates and no widening, so a wrong estimate shows up as lost recall. */
const PRESCAN: SearchTuning = {
  scan: 'prescan',
  int8Candidates: 64,
  int8Threads: 1,
  floatMemoryBytes: Infinity,
  exactBudget: 0,
  prescanDims: 32,
  oversampling: 4,
  minCandidates: 60,
  confidence: 0,
};

function build(vectors: Float32Array[], tuning: SearchTuning): VectorColumn {
  const col = new VectorColumn(vectors[0]!.length, vectors.length, 1234, tuning);
  vectors.forEach((v, r) => col.set(r, v));
  return col;
}

function recall(
  col: VectorColumn,
  vectors: Float32Array[],
  queries: Float32Array[],
  mask: Uint8Array,
): number {
  const count = mask.reduce((s, x) => s + x, 0);
  let found = 0;
  for (const q of queries) {
    const exact = col.search(q, 10, vectors.length, mask, count, true);
    const approx = col.search(q, 10, vectors.length, mask, count, false);
    const truth = new Set(exact.rows);
    approx.rows.forEach((r, i) => {
      if (truth.has(r)) found++;
      expect(mask[r]).toBe(1);
      // Returned scores are exact cosines, not estimates.
      expect(approx.scores[i]).toBeCloseTo(dot(q, vectors[r]!), 5);
    });
  }
  return found / (10 * queries.length);
}

describe('RandomRotation', () => {
  it('keeps inner products (it is orthogonal) while spreading a spike over every coordinate', () => {
    const rng = new Prng(3);
    const rot = new RandomRotation(100, 9);
    expect(rot.size).toBe(128);
    const a = Float32Array.from({ length: 100 }, () => rng.gaussian());
    const b = Float32Array.from({ length: 100 }, () => rng.gaussian());
    const [ra, rb] = [new Float64Array(128), new Float64Array(128)];
    rot.apply(a, ra);
    rot.apply(b, rb);
    expect(ra.reduce((s, x, i) => s + x * rb[i]!, 0)).toBeCloseTo(dot(a, b), 4);
    const spike = new Float32Array(100);
    spike[7] = 1;
    rot.apply(spike, ra);
    expect(Math.max(...ra.map(Math.abs))).toBeLessThan(0.5);
  });
});

describe('TopK', () => {
  it('keeps the k highest scores, best first', () => {
    const top = new TopK(3);
    [5, 1, 9, 7, 3, 9.5].forEach((s, r) => top.push(s, r));
    const { rows, scores } = top.sorted();
    expect(Array.from(scores)).toEqual([9.5, 9, 7]);
    expect(Array.from(rows)).toEqual([5, 2, 3]);
  });
});

describe('VectorColumn search', () => {
  // An odd count: the last pair of packed codes holds one row.
  const { vectors, queries } = clustered(new Prng(11), 3001, 20, 128, 60);

  it('ranks well on the int8 estimates alone, scoring hits exactly', () => {
    const col = build(vectors, PRESCAN);
    expect(recall(col, vectors, queries, col.present.slice(0, vectors.length))).toBeGreaterThanOrEqual(0.9);
  });

  it('widens the rescoring by the measured estimate error until the top-10 is all but exact', () => {
    const col = build(vectors, { ...PRESCAN, confidence: 2.5 });
    expect(recall(col, vectors, queries, col.present.slice(0, vectors.length))).toBeGreaterThanOrEqual(0.99);
  });

  it('prescans only the rows a filter lets through', () => {
    const col = build(vectors, PRESCAN);
    const mask = Uint8Array.from(vectors, (_, r) => (r % 3 === 1 ? 1 : 0));
    expect(recall(col, vectors, queries, mask)).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps codes in step when rows move and when the index is rebuilt after growth', () => {
    const col = build(vectors.slice(0, 1500), PRESCAN);
    col.warm(1500);
    col.grow(3001);
    for (let r = 1500; r < 3001; r++) col.set(r, vectors[r]!); // doubles: the next search rebuilds
    // Delete row 0 the way Collection does: move the last row into the hole.
    col.move(3000, 0);
    const moved = [vectors[3000]!, ...vectors.slice(1, 3000)];
    const mask = col.present.slice(0, 3000);
    expect(recall(col, moved, queries, mask)).toBeGreaterThanOrEqual(0.9);
    const self = col.search(vectors[3000]!, 1, 3000, mask, 3000, false);
    expect(Array.from(self.rows)).toEqual([0]);
  });

  it('falls back to the exact scan for small candidate sets', () => {
    const col = build(vectors, { ...PRESCAN, exactBudget: 128 * 50, minCandidates: 1, oversampling: 1 });
    const mask = Uint8Array.from(vectors, (_, r) => (r < 40 ? 1 : 0));
    expect(recall(col, vectors, queries, mask)).toBe(1);
  });
});

describe('VectorColumn search on int8 codes', () => {
  const INT8: SearchTuning = { ...PRESCAN, scan: 'int8', exactBudget: 0 };
  const { vectors, queries } = clustered(new Prng(12), 3001, 20, 128, 60);
  const rng = new Prng(13);
  const random = Array.from({ length: 3021 }, () =>
    unit(Float32Array.from({ length: 128 }, () => rng.gaussian())),
  );

  it('keeps recall@10 at 0.99 on clustered and on structureless (random) vectors', () => {
    const col = build(vectors, INT8);
    expect(recall(col, vectors, queries, col.present.slice(0, 3001))).toBeGreaterThanOrEqual(0.99);
    const points = random.slice(0, 3001);
    const rcol = build(points, INT8);
    expect(recall(rcol, points, random.slice(3001), rcol.present.slice(0, 3001))).toBeGreaterThanOrEqual(
      0.99,
    );
  });

  it('returns full pages under a filter that keeps the rows farthest from the query', () => {
    const col = build(vectors, INT8);
    for (const q of queries.slice(0, 5)) {
      // Only the 40 worst rows for this query pass: the first int8 pages hold none of them.
      const worst = vectors
        .map((v, r) => ({ r, s: dot(q, v) }))
        .sort((a, b) => a.s - b.s)
        .slice(0, 40);
      const mask = new Uint8Array(3001);
      for (const { r } of worst) mask[r] = 1;
      const hits = col.search(q, 10, 3001, mask, 40, false);
      expect(hits.rows.length).toBe(10);
      const best = worst.slice(-10).map((w) => w.r);
      expect(new Set(hits.rows)).toEqual(new Set(best));
    }
  });

  it('keeps codes in step when rows are overwritten, removed and moved', () => {
    const col = build(vectors.slice(0, 1500), INT8);
    col.warm(1500);
    col.grow(3001);
    for (let r = 1500; r < 3001; r++) col.set(r, vectors[r]!);
    col.set(5, vectors[6]!); // an update
    col.move(3000, 0); // a delete, the way Collection does it
    const moved = [vectors[3000]!, ...vectors.slice(1, 3000)];
    moved[5] = vectors[6]!;
    const mask = col.present.slice(0, 3000);
    expect(recall(col, moved, queries, mask)).toBeGreaterThanOrEqual(0.99);
    expect(Array.from(col.search(vectors[3000]!, 1, 3000, mask, 3000, false).rows)).toEqual([0]);
    col.unset(0);
    mask[0] = 0;
    expect(col.search(vectors[3000]!, 1, 3000, mask, 2999, false).rows[0]).not.toBe(0);
  });
});

describe('VectorColumn vectors', () => {
  it('returns copies of the asked rows that later writes and moves leave unchanged', () => {
    const rng = new Prng(7);
    const { vectors } = clustered(rng, 4, 0, 16, 2);
    const col = build(vectors, PRESCAN);
    col.unset(2);
    const got = col.vectors([3, 2, 0]);
    expect(got[1]).toBeUndefined();
    expect([...got[0]!]).toEqual([...vectors[3]!]);
    expect([...got[2]!]).toEqual([...vectors[0]!]);
    col.move(3, 0);
    col.set(3, vectors[1]!);
    expect([...got[0]!]).toEqual([...vectors[3]!]);
    expect([...got[2]!]).toEqual([...vectors[0]!]);
  });
});
