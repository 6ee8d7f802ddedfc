import { DomainError } from '@vitrine/core';
import { TINY_CLIP, rawImage } from '../../test-fixtures/fixtures';
import type { EmbeddingLogger } from '../embedding-provider';
import type { LanePriority } from '../batching/inference-lane';
import { readModelDir, type ModelDir } from '../model/model-dir';
import { TextTokenizer, type TokenBatch } from '../text/text-tokenizer';
import {
  EmbeddingPipeline,
  type GraphInputs,
  type GraphRunner,
  type PipelineOptions,
} from './embedding-pipeline';

const quiet: EmbeddingLogger = { log: () => undefined, warn: () => undefined };

/** Graphs that answer a constant row per item; vision runs wait until `release` so runs can overlap. */
class FakeRunner implements GraphRunner {
  readonly pixelsSeen: Float32Array[] = [];
  readonly snapshots: Float32Array[] = [];
  closes = 0;
  private gate: Promise<void> = Promise.resolve();
  release: () => void = () => undefined;

  constructor(
    readonly serialRuns: boolean,
    private readonly dim: number,
    private readonly inputs: () => Promise<GraphInputs> = () => Promise.resolve({ textPadding: 'longest' }),
  ) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  prepare(): Promise<GraphInputs> {
    return this.inputs();
  }
  schedule<T>(_priority: LanePriority, work: () => Promise<T>): Promise<T> {
    return work();
  }
  runText(batch: TokenBatch): Promise<Float32Array> {
    return Promise.resolve(new Float32Array(batch.batch * this.dim).fill(1));
  }
  async runVision(pixels: Float32Array, count: number): Promise<Float32Array> {
    this.pixelsSeen.push(pixels);
    this.snapshots.push(pixels.slice());
    await this.gate;
    return new Float32Array(count * this.dim).fill(1);
  }
  close(): Promise<void> {
    this.closes++;
    return Promise.resolve();
  }
}

class TestPipeline extends EmbeddingPipeline<FakeRunner> {
  constructor(md: ModelDir, runner: FakeRunner, options: PipelineOptions = {}) {
    super(
      'tiny@0',
      md.projectionDim,
      md.image,
      TextTokenizer.create(md.dir, md.tokenizerJson, md.text),
      runner,
      options,
      quiet,
    );
  }
}

async function png(colour: [number, number, number]): Promise<Uint8Array> {
  return new Uint8Array(
    await rawImage(40, 40, 3, () => colour)
      .png()
      .toBuffer(),
  );
}

describe('EmbeddingPipeline', () => {
  let md: ModelDir;
  beforeAll(async () => {
    md = await readModelDir(TINY_CLIP);
  });

  it('gives runs that may overlap (a remote runner) a pixel buffer each: one batch never overwrites another', async () => {
    const runner = new FakeRunner(false, md.projectionDim);
    const p = new TestPipeline(md, runner);
    runner.hold();
    const red = p.embedImagesSettled([await png([255, 0, 0])]);
    const blue = p.embedImagesSettled([await png([0, 0, 255])]);
    while (runner.pixelsSeen.length < 2) await new Promise((r) => setTimeout(r, 5));
    runner.release();
    await Promise.all([red, blue]);
    const [first, second] = runner.pixelsSeen as [Float32Array, Float32Array];
    expect(first.buffer).not.toBe(second.buffer);
    expect(first).toEqual(runner.snapshots[0]);
    expect(first).not.toEqual(second);
  });

  it('reuses one pixel buffer per priority when the runner queues its runs', async () => {
    const runner = new FakeRunner(true, md.projectionDim);
    const p = new TestPipeline(md, runner);
    await p.embedImages([await png([255, 0, 0])]);
    await p.embedImages([await png([0, 0, 255])]);
    expect(runner.pixelsSeen[0]?.buffer).toBe(runner.pixelsSeen[1]?.buffer);
  });

  it("fails a call with the runner's prepare error (a service with another model) and counts nothing", async () => {
    const mismatch = new DomainError('MODEL_MISMATCH', 'another model');
    const runner = new FakeRunner(false, md.projectionDim, () => Promise.reject(mismatch));
    const p = new TestPipeline(md, runner);
    await expect(p.embedText('red shoe')).rejects.toBe(mismatch);
    await expect(p.embedImage(await png([1, 2, 3]))).rejects.toBe(mismatch);
    expect(p.stats()).toMatchObject({ texts: { items: 0, batches: 0 }, images: { items: 0 }, pending: 0 });
  });

  it('closes the runner once and refuses calls after close with UNAVAILABLE', async () => {
    const runner = new FakeRunner(true, md.projectionDim);
    const p = new TestPipeline(md, runner);
    const [e] = await p.embedTexts(['a photo of a cat']);
    expect(e?.vector.length).toBe(md.projectionDim);
    await Promise.all([p.close(), p.close()]);
    expect(runner.closes).toBe(1);
    await expect(p.embedText('cat')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
