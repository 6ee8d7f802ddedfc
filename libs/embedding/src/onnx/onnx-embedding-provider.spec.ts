import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import {
  TINY_CLIP,
  TINY_CLIP_LEGACY,
  copyModel,
  editJson,
  rawImage,
  withDocString,
} from '../../test-fixtures/fixtures';
import type { BatchEvent, EmbeddingLogger } from '../embedding-provider';
import { cosineSimilarity } from '../vector-math';
import { OnnxEmbeddingProvider, type OnnxEmbeddingOptions } from './onnx-embedding-provider';

const open: OnnxEmbeddingProvider[] = [];
async function load(opts: Partial<OnnxEmbeddingOptions> & { modelDir?: string } = {}) {
  const p = await OnnxEmbeddingProvider.load({ modelDir: TINY_CLIP, ...opts });
  open.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const texts = ['a photo of a cat', 'red shoe', '', 'the blue running dog', 'a hat', 'guitars!'];
const picture = (r: number, g: number, b: number) =>
  rawImage(40, 30, 3, (x, y) => ((x + y) % 9 < 4 ? [r, g, b] : [255 - r, g / 2, 255 - b]))
    .png()
    .toBuffer();

describe('OnnxEmbeddingProvider.load', () => {
  it('describes the model and names it <name>@<hash of the ONNX bytes>', async () => {
    const p = await load();
    expect(p.modelId).toMatch(/^tiny-clip@[0-9a-f]{12}$/);
    expect(p.modelId.slice(-12)).toBe(p.info.sha256.slice(0, 12));
    expect(p.info).toMatchObject({
      dim: 8,
      maxTextLength: 16,
      imageSize: { width: 32, height: 32 },
      device: 'cpu',
      text: { inputIdsType: 'int64', attentionMask: true, startId: 2, endId: 3, padId: 0 },
    });
  });

  it('reads input types from the graph: int32 ids without attention_mask, legacy CLIP config', async () => {
    const p = await load({ modelDir: TINY_CLIP_LEGACY });
    expect(p.modelId).toMatch(/^tiny-legacy-clip@/);
    expect(p.info.text).toMatchObject({
      inputIdsType: 'int32',
      attentionMask: false,
      endId: 106,
      padId: 106,
    });
    const [e] = await p.embedTexts(['a photo of a cat']);
    expect(norm(e!.vector)).toBeCloseTo(1, 5);
  });

  it('changes the model id when the ONNX bytes change', async () => {
    const dir = await copyModel(TINY_CLIP);
    const before = (await load({ modelDir: dir })).modelId;
    const vision = path.join(dir, 'onnx', 'vision_model.onnx');
    await fs.writeFile(vision, withDocString(await fs.readFile(vision), 'retrained'));
    const after = await load({ modelDir: dir });
    expect(after.modelId).not.toBe(before);
    expect(after.modelId.split('@')[0]).toBe(before.split('@')[0]);
    expect((await after.embedTexts(['cat']))[0]!.modelId).toBe(after.modelId);
  });

  describe('refuses a broken model directory with MODEL_INVALID', () => {
    const cases: [string, (dir: string) => Promise<void>, RegExp][] = [
      ['missing tokenizer.json', (d) => fs.rm(path.join(d, 'tokenizer.json')), /tokenizer\.json/],
      ['missing vision model', (d) => fs.rm(path.join(d, 'onnx', 'vision_model.onnx')), /vision_model\.onnx/],
      ['config.json not JSON', (d) => fs.writeFile(path.join(d, 'config.json'), '{oops'), /config\.json/],
      [
        'config.json cut short (names the line and column)',
        async (d) => {
          const file = path.join(d, 'config.json');
          const text = await fs.readFile(file, 'utf8');
          await fs.writeFile(file, text.slice(0, Math.floor(text.length / 2)));
        },
        /config\.json: not valid JSON at line \d+, column \d+ \(/,
      ],
      [
        'no projection_dim',
        (d) => editJson(path.join(d, 'config.json'), (j) => delete j.projection_dim),
        /projection_dim/,
      ],
      [
        'projection_dim disagrees with the graphs',
        (d) => editJson(path.join(d, 'config.json'), (j) => (j.projection_dim = 16)),
        /text_embeds.*16/,
      ],
      [
        'image size disagrees with pixel_values',
        (d) =>
          editJson(path.join(d, 'preprocessor_config.json'), (j) => {
            j.size = { shortest_edge: 48 };
            j.crop_size = { height: 48, width: 48 };
          }),
        /pixel_values/,
      ],
      [
        'text and vision graphs swapped (wrong input/output names)',
        async (d) => {
          const [t, v] = [path.join(d, 'onnx', 'text_model.onnx'), path.join(d, 'onnx', 'vision_model.onnx')];
          const [tb, vb] = await Promise.all([fs.readFile(t), fs.readFile(v)]);
          await Promise.all([fs.writeFile(t, vb), fs.writeFile(v, tb)]);
        },
        /input_ids|pixel_values/,
      ],
      [
        'an ONNX file that is not a model',
        (d) => fs.writeFile(path.join(d, 'onnx', 'text_model.onnx'), 'nope'),
        /text model/,
      ],
    ];
    it.each(cases)('%s', async (_name, breakIt, message) => {
      const dir = await copyModel(TINY_CLIP);
      await breakIt(dir);
      const e = await rejection(load({ modelDir: dir }));
      expect(e.code).toBe('MODEL_INVALID');
      expect(e.message).toMatch(message);
    });
    it('a directory that does not exist', async () => {
      expect((await rejection(load({ modelDir: '/nonexistent/model' }))).code).toBe('MODEL_INVALID');
    });
  });
});

describe('OnnxEmbeddingProvider.embed*', () => {
  it('returns unit vectors carrying the model id, in input order, batch by batch', async () => {
    const events: BatchEvent[] = [];
    const p = await load({ batchSize: 4, onBatch: (e) => events.push(e) });
    const many = Array.from({ length: 10 }, (_, i) => texts[i % texts.length] as string);
    const out = await p.embedTexts(many);
    expect(out).toHaveLength(10);
    expect(events.map((e) => [e.kind, e.source, e.size])).toEqual([
      ['text', 'bulk', 4],
      ['text', 'bulk', 4],
      ['text', 'bulk', 2],
    ]);
    for (const [i, e] of out.entries()) {
      expect(e.modelId).toBe(p.modelId);
      expect(norm(e.vector)).toBeCloseTo(1, 5);
      const alone = (await p.embedTexts([many[i] as string]))[0]!;
      expect(cosineSimilarity(e.vector, alone.vector)).toBeGreaterThan(0.99999);
    }
    expect(cosineSimilarity(out[0]!.vector, out[1]!.vector)).toBeLessThan(0.999);
  });

  it('pads to the longest text in a batch without changing embeddings', async () => {
    for (const modelDir of [TINY_CLIP, TINY_CLIP_LEGACY]) {
      const [longest, full] = [await load({ modelDir }), await load({ modelDir, textPadding: 'max_length' })];
      const [a, b] = [await longest.embedTexts(texts), await full.embedTexts(texts)];
      a.forEach((e, i) => expect(cosineSimilarity(e.vector, b[i]!.vector)).toBeGreaterThan(0.99999));
    }
  });

  it('gives identical embeddings for images that differ only under transparent pixels', async () => {
    const p = await load();
    const make = (hidden: number[]) =>
      rawImage(50, 50, 4, (x, y) =>
        (x - 25) ** 2 + (y - 25) ** 2 < 200 ? [10, 120, 200, 255] : [...hidden, 0],
      )
        .png()
        .toBuffer();
    const [a, b] = await p.embedImages([await make([120, 120, 120]), await make([0, 0, 0])]);
    expect(Array.from(a!.vector)).toEqual(Array.from(b!.vector));
  });

  it('keeps the good images of a batch when one is bad, and says which was bad', async () => {
    const p = await load({ batchSize: 2 });
    const good = [await picture(200, 10, 10), await picture(10, 200, 10), await picture(10, 10, 200)];
    const inputs = [good[0]!, Buffer.from('not an image'), good[1]!, good[2]!];
    const settled = await p.embedImagesSettled(inputs);
    expect(settled.map((s) => s.ok)).toEqual([true, false, true, true]);
    const bad = settled[1]!;
    expect(!bad.ok && bad.error.code).toBe('UNSUPPORTED_MEDIA');
    const alone = await p.embedImages([good[2]!]);
    const s3 = settled[3]!;
    expect(s3.ok && cosineSimilarity(s3.embedding.vector, alone[0]!.vector)).toBeGreaterThan(0.99999);
    const e = await rejection(p.embedImages(inputs));
    expect(e.code).toBe('UNSUPPORTED_MEDIA');
    expect(e.details).toMatchObject({ index: 1 });
    expect(p.stats().images).toMatchObject({ failed: 2, items: 7 });
  });

  it('embeds images decoded separately (decode timed apart from inference) to the same vectors', async () => {
    const p = await load({ batchSize: 2 });
    const bytes = [await picture(200, 10, 10), await picture(10, 200, 10), await picture(10, 10, 200)];
    const decoded = await Promise.all(bytes.map((b) => p.preprocessor.decode(b)));
    expect(decoded.every((d) => d.decodeMs >= 0 && d.format === 'png')).toBe(true);
    const [viaDecoded, direct] = [await p.embedDecoded(decoded), await p.embedImages(bytes)];
    viaDecoded.forEach((e, i) => expect(Array.from(e.vector)).toEqual(Array.from(direct[i]!.vector)));
    expect(p.stats().images).toMatchObject({ items: 6, batches: 4 });
    expect(p.stats().images.decodeMs).toBeGreaterThan(0);
  });

  it('coalesces concurrent single requests into fewer model runs with the same results', async () => {
    const events: BatchEvent[] = [];
    const p = await load({ maxWaitMs: 50, onBatch: (e) => events.push(e) });
    const want = await p.embedTexts(texts);
    const images = [await picture(250, 0, 0), await picture(0, 250, 0), await picture(0, 0, 250)];
    const wantImages = await p.embedImages(images);
    events.length = 0;
    const [gotTexts, gotImages] = await Promise.all([
      Promise.all(texts.map((t) => p.embedText(t))),
      Promise.all(images.map((b) => p.embedImage(b))),
    ]);
    // One run per tower; which tower's batch runs first depends on decode timing.
    expect(events.map((e) => [e.kind, e.source, e.size]).sort()).toEqual([
      ['image', 'coalesced', images.length],
      ['text', 'coalesced', texts.length],
    ]);
    gotTexts.forEach((e, i) => expect(cosineSimilarity(e.vector, want[i]!.vector)).toBeGreaterThan(0.99999));
    gotImages.forEach((e, i) =>
      expect(cosineSimilarity(e.vector, wantImages[i]!.vector)).toBeGreaterThan(0.99999),
    );
  });

  it('runs coalesced requests before bulk batches that are already queued', async () => {
    const events: BatchEvent[] = [];
    const p = await load({ batchSize: 1, maxWaitMs: 0, onBatch: (e) => events.push(e) });
    // Six indexer-like callers, each with a bulk batch waiting for the model, then one API request.
    const bulk = Array.from({ length: 6 }, () => p.embedTexts(['red shoe', 'blue hat']));
    await new Promise((r) => setImmediate(r));
    const single = p.embedText('a photo of a cat');
    await Promise.all([...bulk, single]);
    expect(events).toHaveLength(13);
    const at = events.findIndex((e) => e.source === 'coalesced');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(2);
  });

  it('rejects single requests beyond the queue limit with OVERLOADED (transient)', async () => {
    const p = await load({ maxWaitMs: 20, queueLimit: 3 });
    const results = await Promise.allSettled(texts.map((t) => p.embedText(t)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    const reason = (results[3] as PromiseRejectedResult).reason as DomainError;
    expect(reason.code).toBe('OVERLOADED');
    expect(reason.transient).toBe(true);
    await expect(p.embedText('cat')).resolves.toBeDefined();
  });

  it('rejects queued requests with UNAVAILABLE on close and refuses new ones', async () => {
    const p = await load({ maxWaitMs: 1000 });
    const queued = rejection(p.embedText('cat')); // handled before close() yields to the event loop
    await p.close();
    expect((await queued).code).toBe('UNAVAILABLE');
    expect((await rejection(p.embedTexts(['cat']))).code).toBe('UNAVAILABLE');
  });
});

describe('EMBEDDING_DEVICE=cuda without the CUDA provider', () => {
  it('warns once and runs on the CPU', async () => {
    const warnings: string[] = [];
    const logger: EmbeddingLogger = { log: () => undefined, warn: (m) => warnings.push(m) };
    const p = await load({ device: 'cuda', logger });
    expect(p.info.device).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/CUDA.*CPU/);
    expect(warnings[0]).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    const [e] = await p.embedImages([await picture(1, 2, 3)]);
    expect(norm(e!.vector)).toBeCloseTo(1, 5);
  });
});
