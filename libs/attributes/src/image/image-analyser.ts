import { ImagePreprocessor, type DecodedImage } from '@vitrine/embedding';
import { dominantColours, type ColourAnalysis, type DominantColourOptions } from '../colour/dominant-colours';
import type { ColourNamer } from '../colour/named-colours';

/** Side of the picture the colour analysis looks at: enough pixels for shares, few enough for a fast k-means. */
export const COLOUR_ANALYSIS_SIZE = 48;
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

  constructor(
    private readonly namer: ColourNamer,
    limits: { readonly maxPixels: number; readonly maxBytes: number },
  ) {
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

  /** The picture as a square RGB canvas (shortest edge to {@link CANVAS_SIZE}, centre crop). */
  decodeCanvas(bytes: Uint8Array): Promise<DecodedImage> {
    return this.canvas.decode(bytes);
  }
}
