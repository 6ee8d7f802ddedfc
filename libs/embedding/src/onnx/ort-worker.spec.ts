import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { OrtWorker } from './ort-worker';

const VISION = join(__dirname, '../../../../models/demo-clip/onnx/vision_model.onnx');

function pixels(batch: number): Tensor {
  const data = new Float32Array(batch * 3 * 64 * 64);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  return new Tensor('float32', data, [batch, 3, 64, 64]);
}

describe('OrtWorker (onnxruntime on its own thread)', () => {
  let worker: OrtWorker;
  beforeEach(() => (worker = new OrtWorker()));
  afterEach(() => worker.terminate());

  it('gives the same embeddings as a session on the main thread', async () => {
    const remote = await worker.createSession(VISION, { executionProviders: ['cpu'] });
    const local = await InferenceSession.create(VISION, { executionProviders: ['cpu'] });
    const input = pixels(3);
    const [a, b] = [await remote.run({ pixel_values: input }), await local.run({ pixel_values: input })];
    expect(remote.inputNames).toEqual(['pixel_values']);
    expect(a.image_embeds!.dims).toEqual([3, 256]);
    expect([...(a.image_embeds!.data as Float32Array)]).toEqual([...(b.image_embeds!.data as Float32Array)]);
    await local.release();
  });

  it('keeps the event loop serving while a long batch runs', async () => {
    const remote = await worker.createSession(VISION, { executionProviders: ['cpu'] });
    const input = pixels(512);
    let timerAt: number | undefined;
    const started = performance.now();
    const run = remote.run({ pixel_values: input });
    setTimeout(() => (timerAt = performance.now() - started), 5);
    await run;
    const batchMs = performance.now() - started;
    // On the main thread the timer could only fire after the batch (hundreds of milliseconds here).
    expect(timerAt).toBeDefined();
    expect(timerAt!).toBeLessThan(batchMs / 2);
  });

  it("rejects with onnxruntime's message for a bad model and for a bad input, and keeps working", async () => {
    await expect(worker.createSession('/nonexistent/model.onnx', {})).rejects.toThrow(/nonexistent/);
    const remote = await worker.createSession(VISION, { executionProviders: ['cpu'] });
    const wrong = new Tensor('float32', new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
    await expect(remote.run({ pixel_values: wrong })).rejects.toThrow(/dimension|Got invalid/i);
    await expect(remote.run({ pixel_values: pixels(1) })).resolves.toHaveProperty('image_embeds');
    await remote.release();
    await expect(remote.run({ pixel_values: pixels(1) })).rejects.toThrow(/released/);
  });
});
