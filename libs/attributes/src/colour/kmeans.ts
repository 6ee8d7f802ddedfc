import type { Lab } from './lab';

export interface Cluster {
  readonly centre: Lab;
  /** Points assigned to this cluster. */
  readonly size: number;
}

/** Deterministic PRNG (mulberry32): the same image always gives the same clusters. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * k-means (Lloyd) over points in L*a*b* packed as `[L0, a0, b0, L1, …]`, seeded by k-means++ with a fixed seed.
 * Returns the non-empty clusters, largest first. Small inputs (a few thousand pixels) converge in a handful of
 * iterations; `maxIterations` bounds the worst case.
 */
export function kmeansLab(points: Float64Array, k: number, maxIterations = 20, seed = 0x5eed): Cluster[] {
  const n = points.length / 3;
  return kmeansLabIndexed(
    points,
    Int32Array.from({ length: n }, (_, i) => i),
    k,
    maxIterations,
    seed,
  );
}

/**
 * {@link kmeansLab} over points given as indices into distinct colours: point `p` is `values[ids[p]]`. A picture
 * has far fewer distinct colours than pixels (about a third on the demo catalog), so distances are computed once
 * per distinct colour; the sums, the k-means++ draws and the stopping rule still go point by point in order, so the
 * clusters are exactly those of `kmeansLab` over the expanded points.
 */
export function kmeansLabIndexed(
  values: Float64Array,
  ids: Int32Array,
  k: number,
  maxIterations = 20,
  seed = 0x5eed,
): Cluster[] {
  const n = ids.length;
  const m = values.length / 3;
  if (n === 0) return [];
  k = Math.min(k, n);
  const random = prng(seed);
  const centres = new Float64Array(k * 3);
  const d2 = new Float64Array(m).fill(Infinity);
  let first = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centres.set(values.subarray(ids[first]! * 3, ids[first]! * 3 + 3), c * 3);
    for (let v = 0; v < m; v++) {
      const d = dist2(values, v, centres, c);
      if (d < d2[v]!) d2[v] = d;
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[ids[i]!]!;
    if (total === 0) {
      // Fewer distinct colours than k: stop with the centres found so far.
      return assign(values, ids, centres.subarray(0, (c + 1) * 3), c + 1, maxIterations);
    }
    let r = random() * total;
    first = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[ids[i]!]!;
      if (r <= 0) {
        first = i;
        break;
      }
    }
  }
  return assign(values, ids, centres, k, maxIterations);
}

/** Margin by which a bound must hold before a distance is skipped: far above the rounding of a few dozen steps. */
const SLACK = 1e-9;

/**
 * Lloyd's iterations, with Hamerly's bounds to skip the distances that cannot change an assignment: per colour an
 * upper bound on the distance to its centre and a lower bound on the distance to any other, moved by how far the
 * centres moved. A colour is only skipped when its bounds hold by a margin, and is otherwise compared with every
 * centre as Lloyd does (first centre wins a tie), so the assignments, and the clusters, are Lloyd's.
 */
function assign(
  values: Float64Array,
  ids: Int32Array,
  initial: Float64Array,
  k: number,
  maxIterations: number,
): Cluster[] {
  const n = ids.length;
  const m = values.length / 3;
  const centres = Float64Array.from(initial);
  // Labels per distinct colour: every point of one colour takes the same, so "no point changed" is "no colour did".
  const labels = new Int32Array(m).fill(-1);
  const upper = new Float64Array(m);
  const lower = new Float64Array(m);
  const sums = new Float64Array(k * 3);
  const counts = new Int32Array(k);
  const weights = new Int32Array(m);
  for (let i = 0; i < n; i++) weights[ids[i]!]!++;
  const half = new Float64Array(k);
  const moved = new Float64Array(k);
  const previous = new Float64Array(k * 3);
  for (let iter = 0; iter < maxIterations; iter++) {
    // Half the distance from each centre to its nearest other centre: a colour closer than that to its own centre
    // cannot be nearer another.
    half.fill(Infinity);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const d = Math.sqrt(dist2(centres, a, centres, b)) / 2;
        if (d < half[a]!) half[a] = d;
        if (d < half[b]!) half[b] = d;
      }
    }
    let changed = 0;
    for (let v = 0; v < m; v++) {
      const own = labels[v]!;
      if (own !== -1) {
        const bound = Math.max(half[own]!, lower[v]!) - SLACK;
        if (upper[v]! < bound) continue;
        upper[v] = Math.sqrt(dist2(values, v, centres, own));
        if (upper[v]! < bound) continue;
      }
      let best = 0;
      let bd = Infinity;
      let second = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(values, v, centres, c);
        if (d < bd) {
          second = bd;
          bd = d;
          best = c;
        } else if (d < second) second = d;
      }
      upper[v] = Math.sqrt(bd);
      lower[v] = Math.sqrt(second);
      if (own !== best) {
        labels[v] = best;
        changed++;
      }
    }
    sums.fill(0);
    counts.fill(0);
    for (let v = 0; v < m; v++) {
      const c = labels[v]!;
      const w = weights[v]!;
      counts[c]! += w;
      sums[c * 3]! += w * values[v * 3]!;
      sums[c * 3 + 1]! += w * values[v * 3 + 1]!;
      sums[c * 3 + 2]! += w * values[v * 3 + 2]!;
    }
    previous.set(centres);
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) for (let j = 0; j < 3; j++) centres[c * 3 + j] = sums[c * 3 + j]! / counts[c]!;
    }
    if (changed === 0) break;
    let most = 0;
    for (let c = 0; c < k; c++) {
      moved[c] = Math.sqrt(dist2(centres, c, previous, c));
      if (moved[c]! > most) most = moved[c]!;
    }
    for (let v = 0; v < m; v++) {
      upper[v]! += moved[labels[v]!]!;
      lower[v]! -= most;
    }
  }
  const clusters: Cluster[] = [];
  for (let c = 0; c < k; c++) {
    if (counts[c]! > 0)
      clusters.push({
        centre: [centres[c * 3]!, centres[c * 3 + 1]!, centres[c * 3 + 2]!],
        size: counts[c]!,
      });
  }
  return clusters.sort((a, b) => b.size - a.size);
}

function dist2(points: Float64Array, i: number, centres: Float64Array, c: number): number {
  const a = points[i * 3]! - centres[c * 3]!;
  const b = points[i * 3 + 1]! - centres[c * 3 + 1]!;
  const d = points[i * 3 + 2]! - centres[c * 3 + 2]!;
  return a * a + b * b + d * d;
}
