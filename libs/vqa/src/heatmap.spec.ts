import sharp from 'sharp';
import type { EmbeddingProvider } from '@vitrine/embedding';
import { ColourNamer, ImageAnalyser } from '@vitrine/attributes';
import { HeatmapRenderer } from './heatmap';

describe('HeatmapRenderer', () => {
  const analyser = new ImageAnalyser(new ColourNamer(), { maxPixels: 10_000_000, maxBytes: 10_000_000 });
  const renderer = new HeatmapRenderer({} as EmbeddingProvider, analyser);

  it('draws over the whole picture as shown, so a red stripe at the edge of a wide picture is lit where it is', async () => {
    // 896×224 on white: a red block in the left eighth, which the model's centre crop (336..560) never sees.
    const w = 896;
    const h = 224;
    const rgb = Buffer.alloc(w * h * 3, 255);
    for (let y = 40; y < 184; y++) for (let x = 8; x < 104; x++) rgb.set([210, 30, 40], (y * w + x) * 3);
    const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    const analysis = await analyser.colours(png);
    expect(analysis.named[0]!.name).toBe('red');
    const map = await renderer.pixels(png, analysis, 'red');
    expect([map.width, map.height]).toEqual([w, h]);
    const lit = map.grid.map((row) => row.map((v) => v > 0));
    expect(lit.some((row) => row[0])).toBe(true); // the left column of cells holds the red block
    expect(lit.every((row) => !row[2] && !row[3])).toBe(true); // nothing red on the right
    const meta = await sharp(map.png).metadata();
    expect([meta.width, meta.height]).toEqual([w, h]);
  });
});
