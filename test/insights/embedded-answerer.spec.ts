import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { OnnxEmbeddingProvider } from '@vitrine/embedding';
import {
  Calibration,
  ColourNamer,
  DEFAULT_VOCABULARIES,
  ImageAnalyser,
  PromptBank,
  withCategories,
  ZeroShotClassifier,
} from '@vitrine/attributes';
import { EmbeddedAnswerer, HeatmapRenderer, QuestionRouter } from '@vitrine/vqa';
import { DEMO_DIR, DEMO_MODEL_DIR } from './demo-products';

/** A red disc on white, as a catalog picture would show a red product. */
async function redDisc(size = 128): Promise<Buffer> {
  const svgless = Buffer.alloc(size * size * 3, 255);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if ((x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2)
        svgless.set([205, 30, 40], (y * size + x) * 3);
  return sharp(svgless, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

describe('EmbeddedAnswerer on the demo model', () => {
  let provider: OnnxEmbeddingProvider;
  let answerer: EmbeddedAnswerer;
  let router: QuestionRouter;
  let red: Buffer;
  const vocab = withCategories(DEFAULT_VOCABULARIES, ['Food', 'Toys & Games', 'Bags', 'Electronics']);

  beforeAll(async () => {
    provider = await OnnxEmbeddingProvider.load({ modelDir: DEMO_MODEL_DIR });
    const colours = new ColourNamer();
    const analyser = new ImageAnalyser(colours, { maxPixels: 40_000_000, maxBytes: 20_000_000 });
    const prompts = new PromptBank(provider);
    const classifier = new ZeroShotClassifier(prompts, new Calibration(provider.modelId));
    answerer = new EmbeddedAnswerer(
      provider,
      analyser,
      classifier,
      prompts,
      new HeatmapRenderer(provider, analyser),
      () => Promise.resolve(vocab),
    );
    router = new QuestionRouter(() => vocab, colours);
    red = await redDisc();
  }, 60_000);
  afterAll(() => provider?.close());

  const ask = (q: string, image?: Uint8Array, heatmap = false) =>
    answerer.answer(router.route(q), { ...(image ? { image } : {}), heatmap });

  it('answers colour from the pixels, with the share of each colour as evidence', async () => {
    const a = await ask('What colour is it?', red);
    expect(a).toMatchObject({ value: 'red', answered: true, source: 'image-pixels', questionType: 'colour' });
    expect(a.confidence).toBeGreaterThan(0.9);
    expect(a.candidates?.[0]).toMatchObject({ value: 'red' });
  });

  it('answers colour yes/no by contrasting the asked colour with the largest other one', async () => {
    expect(await ask('Is it red?', red)).toMatchObject({ value: 'yes', answered: true });
    const blue = await ask('Is it blue?', red);
    expect(blue).toMatchObject({ value: 'no', answer: 'No, it looks mostly red.' });
    expect(blue.confidence).toBeGreaterThan(0.9);
  });

  it('classifies the category zero-shot over the vocabulary, probabilities summing to at most 1', async () => {
    const apple = readFileSync(join(DEMO_DIR, 'queries/red-apple.png'));
    const a = await ask('What kind of product is this?', apple);
    expect(a.source).toBe('image-model');
    expect(vocab.category.labels).toContain(a.value);
    expect(a.modelId).toBe(provider.modelId);
    const total = a.candidates!.reduce((s, c) => s + c.probability, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
    // The top candidate's probability, never reported as certainty.
    expect(a.confidence).toBe(Math.min(a.candidates![0]!.probability, 0.99));
    expect(a.confidence).toBeLessThan(1);
  });

  it('answers object and feature yes/no questions by contrasting prompts', async () => {
    const object = await ask('Is it a bicycle?', red);
    expect(object.questionType).toBe('yes-no');
    expect(['yes', 'no']).toContain(object.value);
    expect(object.confidence).toBeGreaterThanOrEqual(0.5);
    expect(object.confidence).toBeLessThanOrEqual(1);
    // A part the picture does not show may still be there: for a feature the picture says yes or can't tell,
    // never no (a red disc shows no strap).
    const feature = await ask('Does it have a strap?', red);
    expect(feature.questionType).toBe('yes-no');
    expect(feature.value).not.toBe('no');
    if (feature.value === null) {
      expect(feature).toMatchObject({ answered: false, source: 'image-model' });
      expect(feature.explanation).toMatch(/not visible in the picture/);
    } else {
      expect(feature).toMatchObject({ value: 'yes', answered: true });
      expect(feature.confidence).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('draws a pixel heatmap where the answered colour is', async () => {
    const a = await ask('What colour is it?', red, true);
    const h = a.heatmap!;
    expect(h).toMatchObject({ kind: 'pixels', prompt: 'red', width: 224, height: 224 });
    expect((await sharp(h.png).metadata()).format).toBe('png');
    // The disc is in the middle: the central cells are lit, the corners are not.
    expect(h.grid[1]![1]).toBeGreaterThan(0.5);
    expect(h.grid[0]![0]).toBe(0);
  });

  it('draws a patch heatmap from crops scored against the answer text', async () => {
    const a = await ask('What is it made of?', red, true);
    const h = a.heatmap!;
    expect(h.kind).toBe('patches');
    expect(h.grid).toHaveLength(4);
    expect(h.grid.flat()).toHaveLength(16);
    for (const s of h.grid.flat()) expect(Math.abs(s)).toBeLessThanOrEqual(1);
    expect((await sharp(h.png).metadata()).width).toBe(224);
  });

  it("says it can't tell what a picture cannot show, or what it cannot parse", async () => {
    expect(await ask('How much is it?', red)).toMatchObject({ answered: false, questionType: 'price' });
    expect(await ask('Tell me a story about it', red)).toMatchObject({
      answered: false,
      explanation: expect.stringMatching(/ANSWERER_URL/),
    });
    expect(await ask('What colour is it?')).toMatchObject({ answered: false, explanation: /no picture/ });
  });

  it('refuses bytes that are not a picture with the decoder’s error', async () => {
    await expect(ask('What colour is it?', Buffer.from('not an image at all'))).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA',
    });
  });
});
