import sharp from 'sharp';
import type { EmbeddingProvider } from '@vitrine/embedding';
import {
  BACKGROUND_TOLERANCE,
  deltaE,
  parseHex,
  srgbToLab,
  type ColourAnalysis,
  type ImageAnalyser,
} from '@vitrine/attributes';
import { dot } from '@vitrine/embedding';

/** A heatmap of which regions of the picture matched the answer. */
export interface Heatmap {
  /** PNG: the whole picture as shown (not the model's centre crop), with the map blended over it. */
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** `patches`: crops embedded by the vision tower and scored against the answer's text; `pixels`: colour mask. */
  readonly kind: 'patches' | 'pixels';
  /** The text (or colour name) the regions were matched against. */
  readonly prompt: string;
  /** Row-major scores per grid cell (patches: cosine similarity; pixels: share of the cell in that colour). */
  readonly grid: readonly (readonly number[])[];
}

export interface PatchGrid {
  /** Crops per side (default 4). */
  readonly cells?: number;
  /** Crop side as a share of the picture's side (default 0.5: overlapping crops). */
  readonly cropFraction?: number;
}

/**
 * Patch-level evidence, the zero-shot stand-in for a VQA model's attention map: overlapping square crops of the
 * picture are embedded by the vision tower and scored against the answer's text embedding; each pixel gets the
 * mean score of the crops covering it, min-max scaled, as a colour ramp over the picture. Costs `cells²` image
 * embeddings (16 by default), so it runs only when asked for.
 */
export class HeatmapRenderer {
  constructor(
    private readonly embedder: EmbeddingProvider,
    private readonly analyser: ImageAnalyser,
  ) {}

  async patches(
    bytes: Uint8Array,
    text: Float32Array,
    prompt: string,
    grid: PatchGrid = {},
  ): Promise<Heatmap> {
    // Over the whole picture as shown: a wide picture's sides, which the model's centre crop drops, are mapped too.
    const canvas = await this.analyser.decodeShown(bytes);
    const { width: w, height: h } = canvas;
    const cells = grid.cells ?? 4;
    const side = Math.round(Math.min(w, h) * (grid.cropFraction ?? 0.5));
    const stepX = cells > 1 ? (w - side) / (cells - 1) : 0;
    const stepY = cells > 1 ? (h - side) / (cells - 1) : 0;
    const boxes: { left: number; top: number }[] = [];
    for (let r = 0; r < cells; r++)
      for (let c = 0; c < cells; c++) boxes.push({ left: Math.round(c * stepX), top: Math.round(r * stepY) });
    const raw = sharp(canvas.rgb, { raw: { width: w, height: h, channels: 3 } });
    const crops = await Promise.all(
      boxes.map((b) =>
        raw
          .clone()
          .extract({ ...b, width: side, height: side })
          .png({ compressionLevel: 1 })
          .toBuffer(),
      ),
    );
    const embeddings = await this.embedder.embedImages(crops);
    const scores = embeddings.map((e) => dot(e.vector, text));
    const sum = new Float64Array(w * h);
    const cover = new Float64Array(w * h);
    boxes.forEach((b, i) => {
      for (let y = b.top; y < b.top + side; y++)
        for (let x = b.left; x < b.left + side; x++) {
          sum[y * w + x]! += scores[i]!;
          cover[y * w + x]!++;
        }
    });
    const map = new Float64Array(w * h);
    for (let i = 0; i < map.length; i++) map[i] = cover[i]! > 0 ? sum[i]! / cover[i]! : 0;
    const gridOut: number[][] = [];
    for (let r = 0; r < cells; r++) gridOut.push(scores.slice(r * cells, (r + 1) * cells));
    return {
      png: await blend(canvas.rgb, w, h, minMax(map)),
      width: w,
      height: h,
      kind: 'patches',
      prompt,
      grid: gridOut,
    };
  }

  /**
   * The pixels of `colour`: each pixel of the picture goes to the nearest cluster of `analysis` (pixels close to
   * the removed background go nowhere), and is lit when that cluster carries the colour's name.
   */
  async pixels(bytes: Uint8Array, analysis: ColourAnalysis, colour: string): Promise<Heatmap> {
    const canvas = await this.analyser.decodeShown(bytes);
    const { width: w, height: h, rgb } = canvas;
    const centres = analysis.clusters.map((c) => srgbToLab(...parseHex(c.hex)));
    const background = analysis.background ? srgbToLab(...parseHex(analysis.background)) : undefined;
    const mask = new Float64Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const lab = srgbToLab(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!);
      if (background && deltaE(lab, background) <= BACKGROUND_TOLERANCE) continue;
      let best = 0;
      let bd = Infinity;
      centres.forEach((c, ci) => {
        const d = deltaE(c, lab);
        if (d < bd) [bd, best] = [d, ci];
      });
      if (analysis.clusters[best]?.name === colour) mask[i] = 1;
    }
    const cells = 4;
    const grid: number[][] = [];
    for (let r = 0; r < cells; r++) {
      const row: number[] = [];
      for (let c = 0; c < cells; c++) {
        let on = 0;
        let all = 0;
        for (let y = Math.floor((r * h) / cells); y < Math.floor(((r + 1) * h) / cells); y++)
          for (let x = Math.floor((c * w) / cells); x < Math.floor(((c + 1) * w) / cells); x++) {
            on += mask[y * w + x]!;
            all++;
          }
        row.push(all ? on / all : 0);
      }
      grid.push(row);
    }
    return { png: await blend(rgb, w, h, mask), width: w, height: h, kind: 'pixels', prompt: colour, grid };
  }
}

function minMax(map: Float64Array): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float64Array(map.length);
  // A flat map (every crop scored the same) says nothing: show no highlight rather than noise stretched to 0..1.
  if (!(hi - lo > 1e-6)) return out;
  for (let i = 0; i < map.length; i++) out[i] = (map[i]! - lo) / (hi - lo);
  return out;
}

/** A dark-to-bright ramp (black → red → yellow → white), alpha-blended over a dimmed picture by intensity. */
async function blend(rgb: Uint8Array, w: number, h: number, map: Float64Array): Promise<Buffer> {
  const out = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const t = map[i]!;
    const ramp = [
      Math.min(1, t * 2.5),
      Math.max(0, Math.min(1, t * 2.5 - 1)),
      Math.max(0, t * 2.5 - 2) / 0.5,
    ];
    const alpha = 0.25 + 0.5 * t;
    for (let c = 0; c < 3; c++) {
      const base = rgb[i * 3 + c]! * 0.6;
      out[i * 3 + c] = Math.round((1 - alpha) * base + alpha * 255 * Math.min(1, ramp[c]!));
    }
  }
  return sharp(out, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}
