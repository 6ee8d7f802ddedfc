import sharp from 'sharp';
import { ImagePreprocessor, type DecodedImage } from '@vitrine/embedding';
import { dominantColours, type ColourAnalysis, type DominantColourOptions } from '../colour/dominant-colours';
import type { ColourNamer } from '../colour/named-colours';
import { shrinkRgb, type RgbPixels } from '../colour/downsample';

/** Side of the picture the colour analysis looks at: enough pixels for shares, few enough for a fast k-means. */
export const COLOUR_ANALYSIS_SIZE = 48;
/**
 * Longest side of a picture decoded elsewhere (the model's input) that the colour analysis reads as it is; larger
 * ones (224 for CLIP ViT-B) are shrunk to it. The demo model's 64 × 64 is read whole: shrinking it again to 48
 * agreed less often with the demo catalog's own colours (229 vs 231 of 326; 232 with a decode of its own).
 */
export const DECODED_COLOUR_SIZE = 64;
/** Side of the square (centre crop, as the vision model sees it) heatmaps are computed and drawn on. */
export const CANVAS_SIZE = 224;

const identity = { rescaleFactor: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } as const;

/**
 * Decodes product pictures for the model-free analyses, with the embedding library's decoder and therefore its
 * rules: format from the bytes, size limits from the header, EXIF orientation, transparency on white.
 * Errors are its `DomainError`s (`UNSUPPORTED_MEDIA`, `IMAGE_INVALID`, `IMAGE_TOO_LARGE`).
 */
export class ImageAnalyser {
  private readonly small: ImagePreprocessor;
  private readonly canvas: ImagePreprocessor;
  private readonly limits: { readonly maxPixels: number; readonly maxBytes: number };

  constructor(
    private readonly namer: ColourNamer,
    limits: { readonly maxPixels: number; readonly maxBytes: number },
  ) {
    this.limits = limits;
    // Stretching to a square scales both axes uniformly per axis, so area shares (what colours report) are kept.
    this.small = new ImagePreprocessor(
      {
        ...identity,
        resize: { kind: 'exact', width: COLOUR_ANALYSIS_SIZE, height: COLOUR_ANALYSIS_SIZE },
        crop: null,
        kernel: 'cubic',
        width: COLOUR_ANALYSIS_SIZE,
        height: COLOUR_ANALYSIS_SIZE,
      },
      limits,
    );
    this.canvas = new ImagePreprocessor(
      {
        ...identity,
        resize: { kind: 'shortest_edge', size: CANVAS_SIZE },
        crop: { width: CANVAS_SIZE, height: CANVAS_SIZE },
        kernel: 'cubic',
        width: CANVAS_SIZE,
        height: CANVAS_SIZE,
      },
      limits,
    );
  }

  get colourNamer(): ColourNamer {
    return this.namer;
  }

  async colours(bytes: Uint8Array, options?: DominantColourOptions): Promise<ColourAnalysis> {
    const d = await this.small.decode(bytes);
    return dominantColours(d.rgb, d.width, d.height, this.namer, options);
  }

  /**
   * The colours of a picture already decoded elsewhere — the model's decode, which the indexer shares so each
   * picture is decoded once: shrunk by area averaging to at most {@link DECODED_COLOUR_SIZE} a side, then
   * analysed as {@link colours} does. The model's decode is centre-cropped, so on a picture far from square the
   * sides the model does not see are left out of the colours too.
   */
  coloursOfDecoded(picture: RgbPixels, options?: DominantColourOptions): ColourAnalysis {
    const small = shrinkRgb(picture, DECODED_COLOUR_SIZE);
    return dominantColours(small.rgb, small.width, small.height, this.namer, options);
  }

  /** The picture as a square RGB canvas (shortest edge to {@link CANVAS_SIZE}, centre crop). */
  decodeCanvas(bytes: Uint8Array): Promise<DecodedImage> {
    return this.canvas.decode(bytes);
  }

  /**
   * The whole picture as shown (shortest edge to {@link CANVAS_SIZE}, no crop): maps drawn on it line up with the
   * picture the shopper sees, where the model's centre crop drops the sides of a wide picture.
   */
  async decodeShown(bytes: Uint8Array): Promise<DecodedImage> {
    // The canvas decode validates the bytes (format, limits) before their header is trusted for the size.
    await this.canvas.decode(bytes);
    const meta = await sharp(bytes).metadata();
    const turned = (meta.orientation ?? 1) >= 5;
    const w = (turned ? meta.height : meta.width) ?? CANVAS_SIZE;
    const h = (turned ? meta.width : meta.height) ?? CANVAS_SIZE;
    const scale = CANVAS_SIZE / Math.min(w, h);
    const width = Math.max(1, Math.round(w * scale));
    const height = Math.max(1, Math.round(h * scale));
    return new ImagePreprocessor(
      { ...identity, resize: { kind: 'exact', width, height }, crop: null, kernel: 'cubic', width, height },
      this.limits,
    ).decode(bytes);
  }
}
