import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMinSimilarity, SEARCH_CALIBRATION_FILE } from './relevance-threshold';
import { nonsenseQueries } from './nonsense-queries';

describe('relevance cutoff threshold', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-search-calibration-'));
  writeFileSync(
    join(dir, SEARCH_CALIBRATION_FILE),
    JSON.stringify({ modelId: 'clip@1', minSimilarity: { image: 0.7, text: 0.9 } }),
  );

  it("reads the model's calibrated thresholds, and only for the model they were fitted for", () => {
    expect(loadMinSimilarity('clip@1', dir, undefined)).toEqual({ image: 0.7, text: 0.9 });
    expect(loadMinSimilarity('other@2', dir, undefined)).toBeUndefined();
    expect(loadMinSimilarity('clip@1', join(dir, 'missing'), undefined)).toBeUndefined();
  });

  it('lets SEARCH_MIN_SIMILARITY override every vector', () => {
    expect(loadMinSimilarity('other@2', dir, 0.5)).toEqual({ image: 0.5, text: 0.5 });
  });

  it('ships a calibration for the demo model', () => {
    const demo = join(__dirname, '../../../../models/demo-clip');
    const file = JSON.parse(readFileSync(join(demo, SEARCH_CALIBRATION_FILE), 'utf8')) as { modelId: string };
    expect(loadMinSimilarity(file.modelId, demo, undefined)?.image).toBeGreaterThan(0);
  });

  it('calibrates against the same 200 distinct nonsense queries every time', () => {
    const a = nonsenseQueries();
    expect(a).toHaveLength(200);
    expect(new Set(a).size).toBe(200);
    expect(nonsenseQueries()).toEqual(a);
  });
});
