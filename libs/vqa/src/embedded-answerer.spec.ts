import type { EmbeddingProvider } from '@vitrine/embedding';
import {
  ColourNamer,
  DEFAULT_VOCABULARIES,
  type ImageAnalyser,
  type PromptBank,
  type ZeroShotClassifier,
} from '@vitrine/attributes';
import { EmbeddedAnswerer } from './embedded-answerer';
import type { HeatmapRenderer } from './heatmap';
import { QuestionRouter } from './question-router';

/** A picture model that is sure the asked thing is absent (or present), as a contrast would say. */
function answerer(pYes: number): EmbeddedAnswerer {
  const embedder = {
    modelId: 'clip@test',
    embedImage: () => Promise.resolve({ vector: Float32Array.from([1, 0]) }),
  } as unknown as EmbeddingProvider;
  const classifier = {
    modelId: 'clip@test',
    contrast: () => Promise.resolve({ pYes, strongestAlternative: 'without', calibrated: true }),
  } as unknown as ZeroShotClassifier;
  return new EmbeddedAnswerer(
    embedder,
    {} as ImageAnalyser,
    classifier,
    {} as PromptBank,
    {} as HeatmapRenderer,
    () => Promise.resolve(DEFAULT_VOCABULARIES),
  );
}

describe('EmbeddedAnswerer on features', () => {
  const router = new QuestionRouter(() => DEFAULT_VOCABULARIES, new ColourNamer());
  const image = new Uint8Array([1]);

  it('never says a feature is absent: what a picture does not show may be inside, underneath or in the box', async () => {
    const a = await answerer(0.05).answer(router.route('Does it have an inner pocket?'), { image });
    expect(a).toMatchObject({ answered: false, value: null });
    expect(a.answer).not.toMatch(/^no\b/i);
  });

  it('may say a feature is there, and never with certainty', async () => {
    const a = await answerer(1).answer(router.route('Does it have a strap?'), { image });
    expect(a).toMatchObject({ answered: true, value: 'yes' });
    expect(a.confidence).toBeLessThan(1);
  });
});
