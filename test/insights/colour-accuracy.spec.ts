import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ColourNamer, ImageAnalyser } from '@vitrine/attributes';
import { unambiguousColour } from '@vitrine/evaluation';
import { demoProducts } from './demo-products';

/**
 * The done-when figure for colour, which needs no model: "what colour is it?" answered from the pixels of the
 * demo products' pictures matches the catalog colour for at least 80% of the products whose colour label is
 * clear-cut (the winning colour has half the votes and twice the runner-up's under the catalog's labelling rule).
 */
describe('colour answers on the demo catalog pictures', () => {
  it('match the catalog colour for at least 80% of products with an unambiguous colour', async () => {
    const analyser = new ImageAnalyser(new ColourNamer(), { maxPixels: 40_000_000, maxBytes: 20_000_000 });
    let clear = 0;
    let right = 0;
    let all = 0;
    let rightAll = 0;
    for (const p of demoProducts()) {
      const colour = p.attributes.color;
      if (typeof colour !== 'string' || !p.images[0]) continue;
      const file = fileURLToPath(p.images[0].uri);
      const answer = (await analyser.colours(await readFile(file))).named[0]!.name;
      all++;
      if (answer === colour) rightAll++;
      if (await unambiguousColour(file)) {
        clear++;
        if (answer === colour) right++;
      }
    }
    expect(clear).toBeGreaterThan(50);
    expect(right / clear).toBeGreaterThanOrEqual(0.8);
    // Ambiguous labels are borderline by construction; all together still well above the 1-in-13 of guessing.
    expect(rightAll / all).toBeGreaterThan(0.5);
  }, 60_000);
});
