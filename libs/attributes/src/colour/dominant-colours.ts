import { kmeansLabIndexed } from './kmeans';
import { labToSrgb, srgbToLabInto, toHex, type Lab } from './lab';
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
  // Typed arrays and squared distances throughout, and each distinct colour (about a third of the pixels of a
  // catalog picture) converted, tested and assigned once: this runs once per indexed product, on the indexer's CPU.
  const { colourOf, labs } = distinctColours(rgb, n);

  const tolerance = options.backgroundTolerance ?? BACKGROUND_TOLERANCE;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const median: Lab = [0, 1, 2].map((j) => {
    const values = Float64Array.from(border, (i) => labs[colourOf[i]! * 3 + j]!).sort();
    return values[Math.floor(values.length / 2)]!;
  }) as unknown as Lab;
  const [mL, mA, mB] = median;
  const tolerance2 = tolerance * tolerance;
  const colours = labs.length / 3;
  const nearColour = new Uint8Array(colours);
  for (let c = 0; c < colours; c++) {
    const dl = labs[c * 3]! - mL;
    const da = labs[c * 3 + 1]! - mA;
    const db = labs[c * 3 + 2]! - mB;
    nearColour[c] = dl * dl + da * da + db * db <= tolerance2 ? 1 : 0;
  }
  const nearBackdrop = (i: number): boolean => nearColour[colourOf[i]!] === 1;
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
  // The foreground pixels in order, as indices into the distinct colours they use (renumbered densely).
  const dense = new Int32Array(colours).fill(-1);
  const ids = new Int32Array(count);
  const used: number[] = [];
  for (let i = 0, p = 0; i < n; i++) {
    if (!foreground[i]) continue;
    const c = colourOf[i]!;
    if (dense[c] === -1) {
      dense[c] = used.length;
      used.push(c);
    }
    ids[p++] = dense[c]!;
  }
  const values = new Float64Array(used.length * 3);
  used.forEach((c, v) => values.set(labs.subarray(c * 3, c * 3 + 3), v * 3));
  const centres = kmeansLabIndexed(values, ids, options.k ?? 5).map((c) => c.centre);
  // Final assignment to the converged centres (once per distinct colour, weighted by its pixels), then clusters
  // ordered by size.
  const weight = new Int32Array(used.length);
  for (let p = 0; p < count; p++) weight[ids[p]!]!++;
  const sizes = new Array<number>(centres.length).fill(0);
  for (let v = 0; v < used.length; v++) {
    const l = values[v * 3]!;
    const a = values[v * 3 + 1]!;
    const b = values[v * 3 + 2]!;
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
    sizes[best]! += weight[v]!;
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

/**
 * The distinct colours of `n` RGB pixels in L*a*b* (in order of first appearance) and each pixel's index into them,
 * through an open-addressing table keyed by the 24-bit colour.
 */
function distinctColours(rgb: Uint8Array, n: number): { colourOf: Int32Array; labs: Float64Array } {
  let size = 16;
  while (size < n * 2) size *= 2;
  const shift = 32 - Math.log2(size);
  const keys = new Int32Array(size).fill(-1);
  const slots = new Int32Array(size);
  const colourOf = new Int32Array(n);
  const labs = new Float64Array(n * 3);
  let colours = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    const key = (r << 16) | (g << 8) | b;
    let h = Math.imul(key, 0x9e3779b1) >>> shift;
    while (keys[h] !== -1 && keys[h] !== key) h = (h + 1) & (size - 1);
    if (keys[h] === -1) {
      keys[h] = key;
      slots[h] = colours;
      srgbToLabInto(labs, colours * 3, r, g, b);
      colours++;
    }
    colourOf[i] = slots[h]!;
  }
  return { colourOf, labs: labs.subarray(0, colours * 3) };
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
