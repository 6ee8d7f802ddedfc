import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_CLIP } from '../test-fixtures/fixtures';
import { OnnxEmbeddingProvider } from './onnx/onnx-embedding-provider';
import { cosineSimilarity } from './vector-math';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as {
  Tokenizer: new (j: object, c: object) => { encode(t: string): { ids: number[] } };
};

/** models/demo-clip/reference.json, written by tools/demo-model/export.py from the PyTorch reference. */
interface Reference {
  max_length: number;
  pad_token_id: number;
  bos_token_id: number;
  eos_token_id: number;
  texts: { text: string; input_ids: number[]; input_ids_truncated: number[]; text_embeds: number[] }[];
  images: { file: string; image_embeds: number[] }[];
}

// The demo model ships with the repository; when its directory exists, reference.json must be there too
// (a missing one fails here rather than silently skipping parity).
const demo = fs.existsSync(DEMO_CLIP) ? describe : describe.skip;

demo('parity with the Python reference pipeline (models/demo-clip)', () => {
  let provider: OnnxEmbeddingProvider;
  let ref: Reference;

  beforeAll(async () => {
    const file = path.join(DEMO_CLIP, 'reference.json');
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: the demo model has no parity fixtures`);
    ref = JSON.parse(fs.readFileSync(file, 'utf8')) as Reference;
    provider = await OnnxEmbeddingProvider.load({ modelDir: DEMO_CLIP });
  });
  afterAll(() => provider?.close());

  it('uses the same special ids and context', () => {
    expect(ref.texts.length).toBeGreaterThan(0);
    expect(provider.info.maxTextLength).toBe(ref.max_length);
    expect(provider.info.text).toMatchObject({
      startId: ref.bos_token_id,
      endId: ref.eos_token_id,
      padId: ref.pad_token_id,
    });
  });

  it('the model id hash is the exporter’s version stamp', () => {
    const config = JSON.parse(fs.readFileSync(path.join(DEMO_CLIP, 'config.json'), 'utf8')) as {
      vitrine?: { version?: string };
    };
    expect(provider.modelId).toBe(`vitrine-demo-clip@${config.vitrine?.version}`);
  });

  it('tokenizes every reference text to the same ids (full and truncated)', () => {
    const raw = new Tokenizer(
      JSON.parse(fs.readFileSync(path.join(DEMO_CLIP, 'tokenizer.json'), 'utf8')) as object,
      {},
    );
    for (const t of ref.texts) {
      expect({ text: t.text, ids: raw.encode(t.text).ids }).toEqual({ text: t.text, ids: t.input_ids });
      expect({ text: t.text, ids: provider.tokenizer.encode(t.text) }).toEqual({
        text: t.text,
        ids: t.input_ids_truncated,
      });
    }
    expect(ref.texts.some((t) => t.input_ids.length > ref.max_length)).toBe(true);
  });

  it('embeds every reference text with cosine >= 0.9999 to the reference', async () => {
    const got = await provider.embedTexts(ref.texts.map((t) => t.text));
    ref.texts.forEach((t, i) => {
      const cos = cosineSimilarity(got[i]!.vector, Float32Array.from(t.text_embeds));
      expect({ text: t.text, ok: cos >= 0.9999, cos }).toMatchObject({ text: t.text, ok: true });
    });
  });

  it('embeds every reference image with cosine >= 0.9999 to the reference', async () => {
    expect(ref.images.length).toBeGreaterThan(0);
    const bytes = ref.images.map((im) => fs.readFileSync(path.join(DEMO_CLIP, im.file)));
    const got = await provider.embedImages(bytes);
    ref.images.forEach((im, i) => {
      const cos = cosineSimilarity(got[i]!.vector, Float32Array.from(im.image_embeds));
      expect({ file: im.file, ok: cos >= 0.9999, cos }).toMatchObject({ file: im.file, ok: true });
    });
  });
});
