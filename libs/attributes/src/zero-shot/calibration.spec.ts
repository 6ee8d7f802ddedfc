import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Calibration,
  capConfidence,
  DEFAULT_LOGIT_SCALE,
  fitThreshold,
  MAX_MODEL_CONFIDENCE,
  precisionAt,
  expectedCalibrationError,
  fitLogitScale,
  negativeLogLikelihood,
  softmax,
  type CalibrationSample,
} from './calibration';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples whose labels are drawn from softmax(trueScale · similarities): the scale a fit should recover. */
function synthetic(trueScale: number, n: number, classes = 8): CalibrationSample[] {
  const random = prng(42);
  const out: CalibrationSample[] = [];
  for (let i = 0; i < n; i++) {
    const similarities = Array.from({ length: classes }, () => 0.2 + 0.1 * random());
    const p = softmax(similarities, trueScale);
    let r = random();
    let label = classes - 1;
    for (let k = 0; k < classes; k++) {
      r -= p[k]!;
      if (r <= 0) {
        label = k;
        break;
      }
    }
    out.push({ similarities, label });
  }
  return out;
}

describe('softmax', () => {
  it('is stable for large logits and sums to 1', () => {
    const p = softmax([1000, 999, 0], 1);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});

describe('fitLogitScale (temperature scaling)', () => {
  it('recovers the scale the labels were drawn with', () => {
    const samples = synthetic(40, 4000);
    const { scale, nll } = fitLogitScale(samples);
    expect(scale).toBeGreaterThan(32);
    expect(scale).toBeLessThan(50);
    // It is the minimum: both neighbours are worse.
    expect(nll).toBeLessThan(negativeLogLikelihood(samples, scale * 1.5));
    expect(nll).toBeLessThan(negativeLogLikelihood(samples, scale / 1.5));
  });

  it('lowers the calibration error of an over-confident default scale', () => {
    const samples = synthetic(20, 3000);
    const ece = (scale: number) =>
      expectedCalibrationError(
        samples.map((s) => {
          const p = softmax(s.similarities, scale);
          const top = p.indexOf(Math.max(...p));
          return { confidence: p[top]!, correct: top === s.label };
        }),
      );
    const fitted = fitLogitScale(samples).scale;
    expect(ece(fitted)).toBeLessThan(ece(DEFAULT_LOGIT_SCALE) / 2);
  });

  it('flattens an attribute the picture does not show below scale 1 (no confident answer at chance)', () => {
    // Similarities spread widely but unrelated to the label (materials drawn at random per product): the best
    // temperature is near-uniform. Clamped at 1, a model with widely spread cosines answered such questions with
    // confidence above 0.5 while right at chance.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const samples = Array.from({ length: 400 }, (_, i) => ({
      similarities: Array.from({ length: 8 }, () => rand()),
      label: i % 8,
    }));
    const { scale } = fitLogitScale(samples);
    expect(scale).toBeLessThan(0.5);
    const confidences = samples.map((s) => Math.max(...softmax(s.similarities, scale)));
    expect(Math.max(...confidences)).toBeLessThan(0.5);
  });

  it('refuses to fit on nothing', () => {
    expect(() => fitLogitScale([])).toThrow(/no samples/);
  });
});

describe('Calibration', () => {
  it('names the file, line and column of a calibration file cut short', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vitrine-calibration-'));
    try {
      const file = join(dir, 'calibration.json');
      writeFileSync(file, '{\n  "modelId": "clip@abc",\n  "scales": {"colour": {"scale": 3');
      expect(() => Calibration.load('clip@abc', file)).toThrow(
        /^invalid calibration file .*calibration\.json: not valid JSON at line 3, column 35 \(/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses fitted scales for its own model only', () => {
    const file = { modelId: 'clip@abc', scales: { colour: { scale: 33 } } };
    const own = new Calibration('clip@abc', file);
    expect(own.scale('colour')).toBe(33);
    expect(own.calibrated('colour')).toBe(true);
    expect(own.scale('material')).toBe(DEFAULT_LOGIT_SCALE);
    const other = new Calibration('clip@def', file);
    expect(other.scale('colour')).toBe(DEFAULT_LOGIT_SCALE);
    expect(other.calibrated('colour')).toBe(false);
  });
});

describe('fact thresholds', () => {
  const preds = (xs: ReadonlyArray<readonly [number, boolean]>) =>
    xs.map(([confidence, correct]) => ({ confidence, correct }));

  it('fits the lowest confidence from which predictions reach the precision, and reports it held out', () => {
    const fit = preds([
      [0.95, true],
      [0.9, true],
      [0.85, true],
      [0.8, true],
      [0.75, true],
      [0.7, true],
      [0.6, false],
      [0.55, true],
      [0.5, false],
      [0.4, false],
    ]);
    // 9/10 precision first fails below 0.55 (7/9 ≈ 0.78 at 0.5); at 0.7 it is 6/6.
    expect(fitThreshold(fit, 0.9, 5)).toBe(0.7);
    expect(precisionAt(fit, 0.7)).toEqual({ precision: 1, coverage: 0.6, n: 6 });
  });

  it('fits nothing where no cut reaches the precision with enough predictions', () => {
    expect(
      fitThreshold(
        preds([
          [0.99, false],
          [0.98, true],
          [0.9, false],
        ]),
        0.9,
        2,
      ),
    ).toBeUndefined();
    expect(fitThreshold([], 0.9)).toBeUndefined();
  });

  it('reads thresholds from the calibration file, for its own model; an attribute without one is never a fact', () => {
    const file = {
      modelId: 'clip@abc',
      scales: { material: { scale: 40 } },
      thresholds: { material: { threshold: 0.7, precision: 0.93, n: 40 } },
    };
    expect(new Calibration('clip@abc', file).factThreshold('material')).toBe(0.7);
    expect(new Calibration('clip@abc', file).factThreshold('pattern')).toBeUndefined();
    expect(new Calibration('clip@def', file).factThreshold('material')).toBeUndefined();
  });

  it('caps what a model may claim below certainty', () => {
    expect(capConfidence(1)).toBe(MAX_MODEL_CONFIDENCE);
    expect(MAX_MODEL_CONFIDENCE).toBeLessThan(1);
    expect(capConfidence(0.42)).toBe(0.42);
  });
});
