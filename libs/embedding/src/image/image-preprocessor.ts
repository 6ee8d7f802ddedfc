import sharp from 'sharp';
import { DomainError } from '@vitrine/core';
import type { ImageSpec } from '../model/model-dir';

/** Formats accepted, by sharp's detected format (AVIF is `heif` with `av1` compression). */
const ACCEPTED = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/**
 * The accepted family the leading bytes announce, or undefined. Checked before sharp sees the data, so SVG, PDF,
 * TIFF and other formats libvips could parse never reach their (larger, riskier) loaders; sharp's own detection
 * must then agree.
 */
function signature(b: Uint8Array): string | undefined {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (ascii(b, 4, 8) === 'ftyp') return 'heif'; // ISO-BMFF; sharp tells AVIF (av1) from HEIC
  return undefined;
}

export interface ImagePreprocessorOptions {
  /** Largest accepted width x height (AppConfig.images.maxPixels); checked from the header before decoding. */
  readonly maxPixels: number;
  /** Largest accepted encoded size in bytes (AppConfig.images.maxBytes); unlimited when absent. */
  readonly maxBytes?: number;
  /** Abort a decode that takes longer than this (a safety net against pathological files). Default 30. */
  readonly timeoutSeconds?: number;
}

/** An image decoded, oriented, flattened on white, resized and cropped: RGB bytes at the model's size. */
export interface DecodedImage {
  /** `height * width * 3` bytes, row-major, RGB interleaved. */
  readonly rgb: Buffer;
  readonly width: number;
  readonly height: number;
  /** The detected input format (`jpeg`, `png`, `webp`, `gif`, `avif`). */
  readonly format: string;
  /** Wall time from call to decoded bytes (header check, decode, resize, crop). */
  readonly decodeMs: number;
}

function tooLarge(message: string, details: Record<string, unknown>): DomainError {
  return new DomainError('IMAGE_TOO_LARGE', message, details);
}

/**
 * Turns encoded image bytes into the vision model's `pixel_values`, the way Hugging Face's CLIPImageProcessor
 * does (resize shortest edge, centre crop, rescale, normalise, channels first), with these additions:
 * EXIF orientation is applied, transparency is composited on white before anything else (vendors leave
 * arbitrary colours under transparent pixels), the format is detected from the bytes, and anything that is
 * not JPEG/PNG/WebP/AVIF/GIF or exceeds the pixel limit is refused from its header, before decoding.
 *
 * Decoding runs on libuv's thread pool (sharp), so `Promise.all` over many images decodes them in parallel;
 * {@link toPixelValues} then writes a whole batch tensor in one tight loop.
 *
 * Errors (`DomainError`): `UNSUPPORTED_MEDIA` (not an accepted image format), `IMAGE_TOO_LARGE` (pixels or
 * bytes over the limit), `IMAGE_INVALID` (empty, truncated or corrupt data).
 */
export class ImagePreprocessor {
  /** `lut[c][v]`: normalised value of byte `v` in channel `c`, so the hot loop is one load per value. */
  private readonly lut: readonly [Float32Array, Float32Array, Float32Array];
  private readonly timeoutSeconds: number;

  constructor(
    readonly spec: ImageSpec,
    private readonly options: ImagePreprocessorOptions,
  ) {
    const channel = (c: 0 | 1 | 2): Float32Array => {
      const t = new Float32Array(256);
      for (let v = 0; v < 256; v++) t[v] = (v * spec.rescaleFactor - spec.mean[c]) / spec.std[c];
      return t;
    };
    this.lut = [channel(0), channel(1), channel(2)];
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
  }

  /** Values per image in the batch tensor (3 x height x width). */
  get pixelsPerImage(): number {
    return 3 * this.spec.width * this.spec.height;
  }

  /** Validates, decodes, orients, flattens on white, resizes and crops one image. */
  async decode(bytes: Uint8Array): Promise<DecodedImage> {
    const started = performance.now();
    const { maxPixels, maxBytes } = this.options;
    if (bytes.length === 0) throw new DomainError('IMAGE_INVALID', 'The image is empty (0 bytes)');
    if (maxBytes !== undefined && bytes.length > maxBytes) {
      throw tooLarge(`The image is ${bytes.length} bytes; the limit is ${maxBytes}`, {
        bytes: bytes.length,
        maxBytes,
      });
    }
    const announced = signature(bytes);
    if (!announced) {
      throw new DomainError('UNSUPPORTED_MEDIA', 'The data is not a JPEG, PNG, WebP, AVIF or GIF image');
    }
    let meta: sharp.Metadata;
    try {
      meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
    } catch (e) {
      const msg = (e as Error).message;
      if (/unsupported image format/i.test(msg)) {
        throw new DomainError(
          'UNSUPPORTED_MEDIA',
          'The data is not an image in a supported format',
          undefined,
          {
            cause: e,
          },
        );
      }
      throw new DomainError('IMAGE_INVALID', `The image header cannot be read: ${msg}`, undefined, {
        cause: e,
      });
    }
    const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
    if (
      !ACCEPTED.has(meta.format) ||
      meta.format !== announced ||
      (meta.format === 'heif' && format !== 'avif')
    ) {
      throw new DomainError(
        'UNSUPPORTED_MEDIA',
        `Image format ${format} is not accepted (JPEG, PNG, WebP, AVIF, GIF)`,
        { format },
      );
    }
    const pixels = meta.width * meta.height;
    if (!(pixels > 0)) throw new DomainError('IMAGE_INVALID', 'The image has no pixels');
    if (pixels > maxPixels) {
      throw tooLarge(`The image is ${meta.width}x${meta.height} pixels; the limit is ${maxPixels} pixels`, {
        width: meta.width,
        height: meta.height,
        maxPixels,
      });
    }
    const geometry = this.geometry(meta.autoOrient.width, meta.autoOrient.height);
    try {
      let img = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 }).timeout({
        seconds: this.timeoutSeconds,
      });
      // Each step only when the header says it changes something: fewer libvips operations per image.
      if ((meta.orientation ?? 1) > 1) img = img.rotate();
      if (meta.hasAlpha) img = img.flatten({ background: '#ffffff' });
      if (meta.space !== 'srgb' || meta.channels < 3 || meta.depth !== 'uchar')
        img = img.toColourspace('srgb');
      if (geometry.resize) {
        img = img.resize(geometry.resize.width, geometry.resize.height, {
          fit: 'fill',
          kernel: this.spec.kernel,
          // Shrink-on-load decodes JPEG/WebP at 1/2..1/8 scale with a box filter: faster, but further from
          // the reference (PIL decodes fully, then filters once).
          fastShrinkOnLoad: false,
        });
      }
      if (geometry.crop) img = img.extract(geometry.crop);
      const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || info.width !== this.spec.width || info.height !== this.spec.height) {
        throw new Error(`decoder returned ${info.width}x${info.height}x${info.channels}`);
      }
      return {
        rgb: data,
        width: info.width,
        height: info.height,
        format,
        decodeMs: performance.now() - started,
      };
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw new DomainError(
        'IMAGE_INVALID',
        `The image cannot be decoded: ${(e as Error).message}`,
        { format },
        {
          cause: e,
        },
      );
    }
  }

  /** Resize and crop rectangles for an upright image of `w x h`, exactly as CLIPImageProcessor computes them. */
  private geometry(w: number, h: number) {
    const { resize, crop } = this.spec;
    let rw = w;
    let rh = h;
    if (resize?.kind === 'shortest_edge') {
      // Python: int(size * long / short), i.e. floor on the same double.
      if (w <= h) [rw, rh] = [resize.size, Math.floor((resize.size * h) / w)];
      else [rw, rh] = [Math.floor((resize.size * w) / h), resize.size];
    } else if (resize?.kind === 'exact') {
      [rw, rh] = [resize.width, resize.height];
    }
    if (crop && (crop.width > rw || crop.height > rh)) {
      throw new DomainError(
        'IMAGE_INVALID',
        `The image (${w}x${h}) is smaller than the model's ${crop.width}x${crop.height} crop`,
      );
    }
    return {
      resize: rw !== w || rh !== h ? { width: rw, height: rh } : null,
      crop:
        crop && (crop.width !== rw || crop.height !== rh)
          ? {
              left: Math.floor((rw - crop.width) / 2),
              top: Math.floor((rh - crop.height) / 2),
              width: crop.width,
              height: crop.height,
            }
          : null,
    };
  }

  /**
   * Writes `[batch, 3, height, width]` float32 pixel values (rescaled, normalised, channels first) for decoded
   * images into `out` (allocated when absent) and returns it.
   */
  toPixelValues(images: readonly DecodedImage[], out?: Float32Array): Float32Array {
    const plane = this.spec.width * this.spec.height;
    const per = 3 * plane;
    const dst = out ?? new Float32Array(images.length * per);
    if (dst.length < images.length * per) throw new RangeError('pixel buffer too small for the batch');
    const [l0, l1, l2] = this.lut;
    for (let n = 0; n < images.length; n++) {
      const rgb = (images[n] as DecodedImage).rgb;
      const base = n * per;
      for (let i = 0, j = 0; i < plane; i++, j += 3) {
        dst[base + i] = l0[rgb[j] as number] as number;
        dst[base + plane + i] = l1[rgb[j + 1] as number] as number;
        dst[base + 2 * plane + i] = l2[rgb[j + 2] as number] as number;
      }
    }
    return dst;
  }

  /** Decode + {@link toPixelValues} for one image: `[3, height, width]` float32. */
  async preprocess(bytes: Uint8Array): Promise<Float32Array> {
    return this.toPixelValues([await this.decode(bytes)]);
  }
}
