import sharp from 'sharp';
import { DomainError } from '@vitrine/core';
import { pngClaiming, rawImage } from '../../test-fixtures/fixtures';
import type { ImageSpec } from '../model/model-dir';
import { ImagePreprocessor, type DecodedImage } from './image-preprocessor';

const MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const STD = [0.26862954, 0.26130258, 0.27577711] as const;
const spec: ImageSpec = {
  resize: { kind: 'shortest_edge', size: 32 },
  crop: { width: 32, height: 32 },
  kernel: 'cubic',
  rescaleFactor: 1 / 255,
  mean: MEAN,
  std: STD,
  width: 32,
  height: 32,
};
const pre = new ImagePreprocessor(spec, { maxPixels: 10_000_000 });

async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}

const px = (im: DecodedImage, x: number, y: number) =>
  Array.from(im.rgb.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
const meanAbsDiff = (a: Buffer, b: Buffer) =>
  a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

/** Upright 64x32 picture: red left half, blue right half, a green bar along the top. */
const upright = () =>
  rawImage(64, 32, 3, (x, y) => (y < 6 ? [0, 200, 0] : x < 32 ? [220, 0, 0] : [0, 0, 220]));

describe('ImagePreprocessor', () => {
  it('applies EXIF orientation 6 (rotate 90° clockwise) before resizing', async () => {
    const straight = await pre.decode(await upright().jpeg({ quality: 95 }).toBuffer());
    // Stored sideways: the camera wrote pixels rotated 90° anticlockwise and tagged orientation 6.
    const sideways = await sharp(await upright().png().toBuffer())
      .rotate(-90)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const oriented = await pre.decode(sideways);
    expect(meanAbsDiff(oriented.rgb, straight.rgb)).toBeLessThan(3);
    // Top row green, left red, right blue: the picture is upright.
    expect(px(oriented, 16, 1)[1]).toBeGreaterThan(150);
    expect(px(oriented, 2, 20)[0]).toBeGreaterThan(150);
    expect(px(oriented, 30, 20)[2]).toBeGreaterThan(150);
    const ignored = await pre.decode(await sharp(sideways).withMetadata({ orientation: 1 }).toBuffer());
    expect(meanAbsDiff(ignored.rgb, straight.rgb)).toBeGreaterThan(40);
  });

  it('composites transparency on white, whatever colour hides under transparent pixels', async () => {
    const make = (hidden: number[]) =>
      rawImage(40, 40, 4, (x, y) =>
        x >= 10 && x < 30 && y >= 10 && y < 30 ? [200, 30, 30, 255] : [...hidden, 0],
      )
        .png()
        .toBuffer();
    const [grey, black] = await Promise.all([
      pre.decode(await make([120, 120, 120])),
      pre.decode(await make([0, 0, 0])),
    ]);
    expect(grey.rgb.equals(black.rgb)).toBe(true);
    expect(px(grey, 0, 0)).toEqual([255, 255, 255]);
    expect(px(grey, 16, 16)).toEqual([200, 30, 30]);
    const webp = await pre.decode(
      await sharp(await make([0, 0, 0]))
        .webp({ lossless: true })
        .toBuffer(),
    );
    expect(px(webp, 0, 0)).toEqual([255, 255, 255]);
    const palette = await sharp(await make([0, 0, 0]))
      .png({ palette: true })
      .toBuffer();
    expect((await sharp(palette).metadata()).isPalette).toBe(true);
    expect(px(await pre.decode(palette), 0, 0)).toEqual([255, 255, 255]);
  });

  it('resizes the shortest edge and crops the centre', async () => {
    // 150x90: thirds red | green | blue. Shortest edge 90 -> 32 gives 53x32; the 32-wide centre crop is green
    // with slivers of red and blue at its edges.
    const wide = await rawImage(150, 90, 3, (x) =>
      x < 50 ? [255, 0, 0] : x < 100 ? [0, 255, 0] : [0, 0, 255],
    )
      .png()
      .toBuffer();
    const im = await pre.decode(wide);
    expect([im.width, im.height, im.rgb.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(px(im, 16, 16)).toEqual([0, 255, 0]);
    expect(px(im, 0, 16)[0]).toBeGreaterThan(200);
    expect(px(im, 31, 16)[2]).toBeGreaterThan(200);
  });

  it('normalises to channels-first float32: (v / 255 - mean) / std', async () => {
    const solid = await rawImage(8, 8, 3, () => [255, 0, 128])
      .png()
      .toBuffer();
    const values = await pre.preprocess(solid);
    expect(values).toHaveLength(3 * 32 * 32);
    const plane = 32 * 32;
    [255, 0, 128].forEach((v, c) => {
      const want = (v / 255 - (MEAN[c] as number)) / (STD[c] as number);
      expect(values[c * plane]).toBeCloseTo(want, 5);
      expect(values[c * plane + plane - 1]).toBeCloseTo(want, 5);
    });
  });

  it('accepts JPEG, PNG, WebP, AVIF and the first frame of a GIF, detected from bytes', async () => {
    const base = () => rawImage(48, 40, 3, (x) => (x < 24 ? [250, 250, 0] : [0, 0, 250]));
    const formats = {
      jpeg: await base().jpeg().toBuffer(),
      png: await base().png().toBuffer(),
      webp: await base().webp().toBuffer(),
      avif: await base().avif().toBuffer(),
      gif: await sharp(
        [
          await base().png().toBuffer(),
          await rawImage(48, 40, 3, () => [0, 0, 0])
            .png()
            .toBuffer(),
        ],
        {
          join: { animated: true },
        },
      )
        .gif()
        .toBuffer(),
    };
    for (const [format, bytes] of Object.entries(formats)) {
      const im = await pre.decode(bytes);
      expect(im.format).toBe(format);
      expect(px(im, 2, 16)[0]).toBeGreaterThan(200); // yellow left: the first frame, not the black second
    }
    const grey = await pre.decode(
      await rawImage(10, 10, 3, () => [90, 90, 90])
        .greyscale()
        .png()
        .toBuffer(),
    );
    expect(px(grey, 5, 5)).toEqual([90, 90, 90]);
    const deep = await rawImage(10, 10, 3, () => [200, 100, 50])
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    expect(px(await pre.decode(deep), 5, 5)).toEqual([200, 100, 50]);
    const cmyk = await rawImage(10, 10, 3, () => [200, 100, 50])
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    // CMYK is converted through its colour profile (the round trip is not lossless), not read as 4 channels.
    const viaProfile = await sharp(cmyk).toColourspace('srgb').raw().toBuffer();
    expect(px(await pre.decode(cmyk), 5, 5)).toEqual(Array.from(viaProfile.subarray(0, 3)));
  });

  it('refuses SVG, TIFF and non-images with UNSUPPORTED_MEDIA, whatever the file is called', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    const tiff = await rawImage(10, 10, 3, () => [1, 2, 3])
      .tiff()
      .toBuffer();
    const textNamedJpg = Buffer.from('this is a text file that someone saved as photo.jpg\n');
    for (const bytes of [svg, tiff, textNamedJpg]) {
      expect((await failure(pre.decode(bytes))).code).toBe('UNSUPPORTED_MEDIA');
    }
  });

  it('refuses empty and truncated files with IMAGE_INVALID', async () => {
    expect((await failure(pre.decode(Buffer.alloc(0)))).code).toBe('IMAGE_INVALID');
    const jpeg = await rawImage(300, 200, 3, (x, y) => [x % 256, y % 256, 0])
      .jpeg()
      .toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    expect((await failure(pre.decode(truncated))).code).toBe('IMAGE_INVALID');
    const png = await rawImage(300, 200, 3, (x, y) => [x % 256, y % 256, 7])
      .png()
      .toBuffer();
    expect((await failure(pre.decode(png.subarray(0, png.length - 200)))).code).toBe('IMAGE_INVALID');
  });

  it('refuses a PNG whose header claims 50,000 x 50,000 pixels before decoding it', async () => {
    const bomb = pngClaiming(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    const e = await failure(pre.decode(bomb));
    expect(e.code).toBe('IMAGE_TOO_LARGE');
    expect(e.details).toMatchObject({ width: 50_000, height: 50_000 });
  });

  it('enforces the pixel and byte limits', async () => {
    const small = new ImagePreprocessor(spec, { maxPixels: 64 * 64, maxBytes: 100_000 });
    const ok = await rawImage(64, 64, 3, () => [1, 2, 3])
      .png()
      .toBuffer();
    await expect(small.decode(ok)).resolves.toBeDefined();
    const big = await rawImage(65, 64, 3, () => [1, 2, 3])
      .png()
      .toBuffer();
    expect((await failure(small.decode(big))).code).toBe('IMAGE_TOO_LARGE');
    const heavy = await rawImage(60, 60, 3, () => [1, 2, 3])
      .png({ compressionLevel: 0 })
      .toBuffer();
    const tight = new ImagePreprocessor(spec, { maxPixels: 1e6, maxBytes: heavy.length - 1 });
    expect((await failure(tight.decode(heavy))).code).toBe('IMAGE_TOO_LARGE');
  });
});
