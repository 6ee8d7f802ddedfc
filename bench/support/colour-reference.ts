/**
 * The colour analysis as it was before the indexer's CPU work of issue 16 goal 4 (dominant-colours.ts and kmeans.ts at
 * 11f655c), frozen here so `bench/support/colour-check.ts` can compare every demo picture's answer and CPU side by
 * side with the library's current one. Not used by the product.
 */
import { labToSrgb, srgbToLab, toHex, type ColourAnalysis, type ColourNamer } from '@vitrine/attributes';

type Lab = readonly [number, number, number];
type ColourCluster = ColourAnalysis['clusters'][number];
interface DominantColourOptions {
  readonly k?: number;
  readonly backgroundTolerance?: number;
}

const BACKGROUND_TOLERANCE = 12;

/**
 * Dominant colours of a product picture without any model: pixels → L*a*b*; the background is what is connected
 * to the border and close to the border's median colour (catalog pictures sit on a plain backdrop, and a white
 * product on white keeps its outlined interior); k-means on the remaining pixels; each cluster named by the
 * nearest named colour. When the border is not a plain neutral backdrop (a photo to the edges) every pixel counts;
 * when removing the background would leave almost nothing (a white mug on white, no outline), every pixel counts too.
 */
export function referenceDominantColours(
  rgb: Uint8Array,
  width: number,
  height: number,
  namer: ColourNamer,
  options: DominantColourOptions = {},
): ColourAnalysis {
  const n = width * height;
  if (rgb.length !== n * 3) throw new RangeError(`expected ${n * 3} RGB bytes, got ${rgb.length}`);
  // Typed arrays and squared distances throughout: this runs once per indexed product, on the indexer's CPU.
  const labs = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) labs.set(srgbToLab(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!), i * 3);

  const tolerance = options.backgroundTolerance ?? BACKGROUND_TOLERANCE;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const median: Lab = [0, 1, 2].map((j) => {
    const values = Float64Array.from(border, (i) => labs[i * 3 + j]!).sort();
    return values[Math.floor(values.length / 2)]!;
  }) as unknown as Lab;
  const [mL, mA, mB] = median;
  const tolerance2 = tolerance * tolerance;
  const nearBackdrop = (i: number): boolean => {
    const dl = labs[i * 3]! - mL;
    const da = labs[i * 3 + 1]! - mA;
    const db = labs[i * 3 + 2]! - mB;
    return dl * dl + da * da + db * db <= tolerance2;
  };
  // A backdrop is a plain, neutral border (studio white, grey or black). A chromatic border is the product itself
  // filling the frame (a close-up of a blue sweater), not something to remove.
  const neutral = Math.hypot(mA, mB) <= 15;
  const backdrop = border.filter(nearBackdrop);
  const uniform = neutral && backdrop.length / border.length >= 0.8;

  const foreground = new Uint8Array(n).fill(1);
  if (uniform) {
    // Flood fill from the border through pixels close to the backdrop.
    const stack = new Int32Array(n);
    let top = 0;
    for (const i of backdrop) {
      if (foreground[i] === 1) {
        foreground[i] = 0;
        stack[top++] = i;
      }
    }
    const visit = (j: number) => {
      if (foreground[j] === 1 && nearBackdrop(j)) {
        foreground[j] = 0;
        stack[top++] = j;
      }
    };
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (y > 0) visit(i - width);
      if (y < height - 1) visit(i + width);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += foreground[i]!;
  const backgroundFound = uniform && count >= 0.02 * n;
  if (!backgroundFound) {
    foreground.fill(1);
    count = n;
  }
  const points = new Float64Array(count * 3);
  for (let i = 0, p = 0; i < n; i++) {
    if (foreground[i]) points.set(labs.subarray(i * 3, i * 3 + 3), 3 * p++);
  }
  const centres = kmeansLab(points, options.k ?? 5).map((c) => c.centre);
  // Final assignment to the converged centres, then clusters ordered by size.
  const sizes = new Array<number>(centres.length).fill(0);
  for (let p = 0; p < count; p++) {
    const l = points[p * 3]!;
    const a = points[p * 3 + 1]!;
    const b = points[p * 3 + 2]!;
    let best = 0;
    let bd = Infinity;
    for (let ci = 0; ci < centres.length; ci++) {
      const c = centres[ci]!;
      const d = (c[0] - l) ** 2 + (c[1] - a) ** 2 + (c[2] - b) ** 2;
      if (d < bd) {
        bd = d;
        best = ci;
      }
    }
    sizes[best]!++;
  }
  const order = centres.map((_, ci) => ci).sort((a, b) => sizes[b]! - sizes[a]!);
  const out: ColourCluster[] = order
    .filter((ci) => sizes[ci]! > 0)
    .map((ci) => ({
      hex: toHex(labToSrgb(centres[ci]!)),
      name: namer.name(centres[ci]!).name,
      share: sizes[ci]! / count,
    }));
  const byName = new Map<string, number>();
  for (const c of out) byName.set(c.name, (byName.get(c.name) ?? 0) + c.share);
  return {
    clusters: out,
    named: [...byName.entries()]
      .map(([name, share]) => ({ name, share }))
      .sort((a, b) => b.share - a.share || a.name.localeCompare(b.name)),
    background: backgroundFound ? toHex(labToSrgb(median)) : null,
    foregroundShare: count / n,
  };
}

interface Cluster {
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
function kmeansLab(points: Float64Array, k: number, maxIterations = 20, seed = 0x5eed): Cluster[] {
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
