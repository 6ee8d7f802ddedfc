import { Calibration } from './calibration';
import type { PromptBank } from './prompt-bank';
import { ZeroShotClassifier } from './zero-shot-classifier';
import { DEFAULT_VOCABULARIES } from './vocabularies';

/** Label embeddings where the first label is the picture itself and every other is orthogonal to it. */
const prompts = {
  modelId: 'clip@test',
  labelEmbeddings: (v: { labels: readonly string[] }) =>
    Promise.resolve(v.labels.map((_, i) => Float32Array.from([i === 0 ? 1 : 0, i === 0 ? 0 : 1]))),
  ensemble: (p: readonly string[]) => Promise.resolve(Float32Array.from(p[0] === 'yes' ? [1, 0] : [0, 1])),
} as unknown as PromptBank;

describe('ZeroShotClassifier', () => {
  const classifier = new ZeroShotClassifier(prompts, new Calibration('clip@test'));
  const picture = Float32Array.from([1, 0]);

  it('never reports certainty, even when its softmax saturates (the laptop at "polka dot" 1.0)', async () => {
    const p = await classifier.classify(picture, DEFAULT_VOCABULARIES.pattern);
    expect(p.value).toBe(DEFAULT_VOCABULARIES.pattern.labels[0]);
    expect(p.confidence).toBeLessThan(1);
    const c = await classifier.contrast(picture, ['yes'], [{ name: 'no', prompts: ['no'] }]);
    expect(c.pYes).toBeLessThan(1);
    const d = await classifier.contrast(picture, ['no'], [{ name: 'yes', prompts: ['yes'] }]);
    expect(d.pYes).toBeGreaterThan(0);
  });
});
