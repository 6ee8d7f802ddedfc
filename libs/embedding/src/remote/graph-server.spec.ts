import { resolve } from 'node:path';
import { DomainError } from '@vitrine/core';
import { EmbeddingGraphServer, type GraphRunEvent } from './graph-server';
import { MODEL_ID_PARAMETER, TEXT_MODEL, VISION_MODEL, type DecodedTensor } from './kserve-v2';

const DEMO_MODEL = resolve(__dirname, '../../../../models/demo-clip');
const quiet = { log: () => undefined, warn: () => undefined };

const text = (ids: number[][]): DecodedTensor[] => {
  const length = Math.max(...ids.map((r) => r.length));
  const flat = new Int32Array(ids.length * length);
  const mask = new Int32Array(ids.length * length);
  ids.forEach((r, i) => {
    flat.set(r, i * length);
    mask.fill(1, i * length, i * length + r.length);
  });
  return [
    { name: 'input_ids', datatype: 'INT32', shape: [ids.length, length], data: flat },
    { name: 'attention_mask', datatype: 'INT32', shape: [ids.length, length], data: mask },
  ];
};

describe('EmbeddingGraphServer (demo model)', () => {
  let server: EmbeddingGraphServer;
  const runs: GraphRunEvent[] = [];

  beforeAll(async () => {
    server = await EmbeddingGraphServer.load({
      modelDir: DEMO_MODEL,
      logger: quiet,
      onRun: (e) => runs.push(e),
    });
  });
  afterAll(() => server.close());
  beforeEach(() => (runs.length = 0));

  it('declares its model id in the model configuration and the graphs’ tensors in the metadata', () => {
    expect(server.config(TEXT_MODEL).parameters?.[MODEL_ID_PARAMETER]?.string_value).toBe(server.modelId);
    expect(server.modelId).toMatch(/^vitrine-demo-clip@[0-9a-f]{12}$/);
    expect(server.metadata(VISION_MODEL).inputs).toEqual([
      { name: 'pixel_values', datatype: 'FP32', shape: [-1, 3, 64, 64] },
    ]);
    expect(() => server.metadata('nope')).toThrow('Model nope does not exist');
  });

  it('runs rows of concurrent requests in one model run, padded to the longest, with each request’s own result', async () => {
    const [alone] = await server.infer(TEXT_MODEL, text([[2, 100, 3]]), 'bulk');
    runs.length = 0;
    const [a, b] = await Promise.all([
      server.infer(TEXT_MODEL, text([[2, 100, 3]]), 'bulk'),
      server.infer(
        TEXT_MODEL,
        text([
          [2, 5, 6, 7, 8, 3],
          [2, 9, 3],
        ]),
        'bulk',
      ),
    ]);
    expect(runs).toEqual([expect.objectContaining({ model: TEXT_MODEL, size: 3, requests: 2 })]);
    expect(a[0]!.shape).toEqual([1, 256]);
    expect(b[0]!.shape).toEqual([2, 256]);
    // Padding the short row to the other request's length does not change its output.
    const x = alone!.data as Float32Array;
    const y = a[0]!.data as Float32Array;
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i]!, 4);
  });

  it('fails only the request whose rows the model refuses, not the requests that shared its run', async () => {
    const [good, bad] = await Promise.allSettled([
      server.infer(TEXT_MODEL, text([[2, 100, 3]]), 'bulk'),
      server.infer(TEXT_MODEL, text([[2, 99_999, 3]]), 'bulk'),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
  });

  it('refuses tensors of the wrong shape with VALIDATION_FAILED', async () => {
    const px: DecodedTensor = {
      name: 'pixel_values',
      datatype: 'FP32',
      shape: [1, 3, 32, 32],
      data: new Float32Array(3 * 32 * 32),
    };
    const e = (await server.infer(VISION_MODEL, [px], 'interactive').catch((x: unknown) => x)) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('VALIDATION_FAILED');
  });
});
