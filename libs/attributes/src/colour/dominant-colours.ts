import { kmeansLab } from './kmeans';
import { deltaE, labToSrgb, srgbToLab, toHex, type Lab } from './lab';
import type { ColourNamer } from './named-colours';

/** One k-means cluster of the product's pixels. */
export interface ColourCluster {
  readonly hex: string;
  readonly name: string;
  /** Share of the foreground pixels, 0..1. */
  readonly share: number;
}

/** A colour name and the share of foreground pixels whose cluster carries it. */
export interface NamedShare {
  readonly name: string;
  readonly share: number;
}

export interface ColourAnalysis {
  /** Clusters, largest first. */
  readonly clusters: readonly ColourCluster[];
  /** Cluster shares summed per colour name, largest first. */
  readonly named: readonly NamedShare[];
  /** Hex of the background colour removed from the border inwards, or null when none was found. */
  readonly background: string | null;
  /** Share of the picture that is the product (not background). */
  readonly foregroundShare: number;
}

/** ΔE from the border colour within which a pixel counts as background, by default. */
export const BACKGROUND_TOLERANCE = 12;

export interface DominantColourOptions {
  /** Clusters (default 5). */
  readonly k?: number;
  /** Largest ΔE from the border colour that still counts as background (default 12). */
  readonly backgroundTolerance?: number;
}

/**
 * Dominant colours of a product picture without any model: pixels → L*a*b*; the background is what is connected
 * to the border and close to the border's median colour (catalog pictures sit on a plain backdrop, and a white
 * product on white keeps its outlined interior); k-means on the remaining pixels; each cluster named by the
 * nearest named colour. When the border is not a plain neutral backdrop (a photo to the edges) every pixel counts;
 * when removing the background would leave almost nothing (a white mug on white, no outline), every pixel counts too.
 */
export function dominantColours(
  rgb: Uint8Array,
  width: number,
  height: number,
  namer: ColourNamer,
  options: DominantColourOptions = {},
): ColourAnalysis {
  const n = width * height;
  if (rgb.length !== n * 3) throw new RangeError(`expected ${n * 3} RGB bytes, got ${rgb.length}`);
  const labs = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) labs.set(srgbToLab(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!), i * 3);
  const lab = (i: number): Lab => [labs[i * 3]!, labs[i * 3 + 1]!, labs[i * 3 + 2]!];

  const tolerance = options.backgroundTolerance ?? BACKGROUND_TOLERANCE;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const median: Lab = [0, 1, 2].map((j) => {
    const values = border.map((i) => labs[i * 3 + j]!).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)]!;
  }) as unknown as Lab;
  // A backdrop is a plain, neutral border (studio white, grey or black). A chromatic border is the product itself
  // filling the frame (a close-up of a blue sweater), not something to remove.
  const neutral = Math.hypot(median[1], median[2]) <= 15;
  const uniform =
    neutral && border.filter((i) => deltaE(lab(i), median) <= tolerance).length / border.length >= 0.8;

  const foreground = new Uint8Array(n).fill(1);
  if (uniform) {
    // Flood fill from the border through pixels close to the backdrop.
    const stack = border.filter((i) => deltaE(lab(i), median) <= tolerance);
    for (const i of stack) foreground[i] = 0;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1];
      neighbours.push(y < height - 1 ? i + width : -1);
      for (const j of neighbours) {
        if (j >= 0 && foreground[j] === 1 && deltaE(lab(j), median) <= tolerance) {
          foreground[j] = 0;
          stack.push(j);
        }
      }
    }
  }
  let count = foreground.reduce((a, b) => a + b, 0);
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
    const px: Lab = [points[p * 3]!, points[p * 3 + 1]!, points[p * 3 + 2]!];
    let best = 0;
    let bd = Infinity;
    centres.forEach((c, ci) => {
      const d = deltaE(c, px);
      if (d < bd) [bd, best] = [d, ci];
    });
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

/** Model id reported for evidence that needs no model (pixel statistics). */
export const PIXELS_MODEL_ID = 'pixels:kmeans-lab@1';

/** How sure the pixels are of a colour: its share against the runner-up's (1 when it is the only colour). */
export function colourDominance(analysis: ColourAnalysis, colour?: string): number {
  const named = analysis.named;
  const target = colour ?? named[0]?.name;
  const share = named.find((c) => c.name === target)?.share ?? 0;
  const rival = named.find((c) => c.name !== target)?.share ?? 0;
  return share + rival > 0 ? share / (share + rival) : 0;
}
