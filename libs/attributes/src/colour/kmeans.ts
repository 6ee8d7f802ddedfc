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
  if (n === 0) return [];
  k = Math.min(k, n);
  const random = prng(seed);
  const centres = new Float64Array(k * 3);
  const d2 = new Float64Array(n).fill(Infinity);
  let first = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centres.set(points.subarray(first * 3, first * 3 + 3), c * 3);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = dist2(points, i, centres, c);
      if (d < d2[i]!) d2[i] = d;
      total += d2[i]!;
    }
    if (total === 0) {
      // Fewer distinct colours than k: stop with the centres found so far.
      return assign(points, centres.subarray(0, (c + 1) * 3), c + 1, maxIterations);
    }
    let r = random() * total;
    first = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i]!;
      if (r <= 0) {
        first = i;
        break;
      }
    }
  }
  return assign(points, centres, k, maxIterations);
}

function assign(points: Float64Array, initial: Float64Array, k: number, maxIterations: number): Cluster[] {
  const n = points.length / 3;
  const centres = Float64Array.from(initial);
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * 3);
  const counts = new Int32Array(k);
  for (let iter = 0; iter < maxIterations; iter++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(points, i, centres, c);
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      if (labels[i] !== best) {
        labels[i] = best;
        changed++;
      }
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      counts[c]!++;
      for (let j = 0; j < 3; j++) sums[c * 3 + j]! += points[i * 3 + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) for (let j = 0; j < 3; j++) centres[c * 3 + j] = sums[c * 3 + j]! / counts[c]!;
    }
    if (changed === 0) break;
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
