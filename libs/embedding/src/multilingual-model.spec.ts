// A multilingual CLIP (XLM-R-style Unigram tokenizer, pad id 1, mean pooling and projection inside the graph,
// towers from two sources) loaded through the product's loader, checked against ids and embeddings computed in
// Python by tools/multilingual-clip/make-fixture.py. Nothing here is skipped when the fixture is missing: reading
// reference.json fails the suite.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import {
  MULTILINGUAL_UNIGRAM,
  MULTILINGUAL_VARIANTS,
  TINY_CLIP,
  TINY_CLIP_LEGACY,
  copyModel,
  editJson,
} from '../test-fixtures/fixtures';
import { OnnxEmbeddingProvider } from './onnx/onnx-embedding-provider';

interface Case {
  readonly name: string;
  readonly text: string;
  readonly ids: number[];
  readonly embedding: number[];
}
interface Reference {
  readonly max_length: number;
  readonly pad_id: number;
  readonly cases: Case[];
}

const open: OnnxEmbeddingProvider[] = [];
async function load(modelDir = MULTILINGUAL_UNIGRAM) {
  const p = await OnnxEmbeddingProvider.load({
    modelDir,
    logger: { log: () => undefined, warn: () => undefined },
  });
  open.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

let ref: Reference;
beforeAll(async () => {
  ref = JSON.parse(await fs.readFile(path.join(MULTILINGUAL_UNIGRAM, 'reference.json'), 'utf8')) as Reference;
});
const byName = (name: string) => {
  const c = ref.cases.find((x) => x.name === name);
  if (!c) throw new Error(`reference.json has no case ${name}`);
  return c;
};

function expectClose(actual: Float32Array, expected: readonly number[], what: string) {
  expect({ what, length: actual.length }).toEqual({ what, length: expected.length });
  const worst = Math.max(...expected.map((x, i) => Math.abs(x - (actual[i] as number))));
  expect({ what, worst: worst <= 1e-5 }).toEqual({ what, worst: true });
}

describe('a multilingual CLIP (Unigram tokenizer, pooling and projection in the graph)', () => {
  it('is described as what it is: Unigram, pad id 1, its own context length, both towers and their space', async () => {
    const p = await load();
    expect(p.modelId).toMatch(/^tiny-multilingual-clip@[0-9a-f]{12}$/);
    expect(p.info).toMatchObject({
      dim: 16,
      maxTextLength: ref.max_length,
      text: {
        tokenizer: 'Unigram',
        pooling: 'mean',
        startId: 0,
        endId: 2,
        padId: ref.pad_id,
        attentionMask: true,
        tokenTypeIds: false,
      },
      towers: { space: 'tiny-multilingual-clip' },
    });
  });

  it.each(['english', 'english-longer', 'chinese', 'chinese-longer', 'japanese', 'mixed', 'full-width'])(
    'tokenizes %s text to the reference ids',
    async (name) => {
      const p = await load();
      const c = byName(name);
      expect(p.tokenizer.encode(c.text)).toEqual(c.ids);
    },
  );

  it('fuses characters no piece covers into one <unk>, keeps the end token when it truncates', async () => {
    const p = await load();
    expect(p.tokenizer.encode(byName('unknown').text)).toEqual(byName('unknown').ids);
    expect(p.tokenizer.encode(byName('empty').text)).toEqual([0, 2]);
    const long = byName('truncated');
    expect(long.ids).toHaveLength(ref.max_length);
    expect(p.tokenizer.encode(long.text)).toEqual(long.ids);
  });

  it('pads a batch with <pad> (1), not the end token', async () => {
    const p = await load();
    const texts = [byName('english').text, byName('chinese-longer').text];
    const b = p.tokenizer.encodeBatch(texts, 'longest');
    const [short, longer] = [byName('english').ids, byName('chinese-longer').ids];
    expect(Array.from(b.ids.slice(0, b.length))).toEqual([
      ...short,
      ...Array<number>(longer.length - short.length).fill(1),
    ]);
    expect(Array.from(b.attentionMask.slice(0, b.length))).toEqual([
      ...short.map(() => 1),
      ...Array<number>(longer.length - short.length).fill(0),
    ]);
  });

  it('embeds English, Chinese, Japanese and mixed text like the PyTorch model (1e-5), alone and in one padded batch', async () => {
    const p = await load();
    for (const c of ref.cases) expectClose((await p.embedText(c.text)).vector, c.embedding, c.name);
    const batch = await p.embedTexts(ref.cases.map((c) => c.text));
    batch.forEach((e, i) => {
      const c = ref.cases[i] as Case;
      expectClose(e.vector, c.embedding, `${c.name} in a batch`);
    });
  });

  it('feeds token_type_ids zeros to a BERT-style graph that takes them (one segment)', async () => {
    const dir = await copyModel(MULTILINGUAL_UNIGRAM);
    try {
      await fs.copyFile(
        path.join(MULTILINGUAL_VARIANTS, 'text_model_token_type_ids.onnx'),
        path.join(dir, 'onnx', 'text_model.onnx'),
      );
      const p = await load(dir);
      expect(p.info.text.tokenTypeIds).toBe(true);
      const batch = await p.embedTexts(ref.cases.map((c) => c.text));
      batch.forEach((e, i) => {
        const c = ref.cases[i] as Case;
        expectClose(e.vector, c.embedding, `${c.name} with token_type_ids`);
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('has references that differ from text to text (a parity check that could not pass by accident)', () => {
    const [zh, en] = [byName('chinese').embedding, byName('english').embedding];
    const dot = zh.reduce((s, x, i) => s + x * (en[i] as number), 0);
    expect(dot).toBeLessThan(0.999);
  });
});

describe('a multilingual model that cannot work stops boot with MODEL_INVALID naming the problem', () => {
  async function problem(edit: (dir: string) => Promise<void>): Promise<string> {
    const dir = await copyModel(MULTILINGUAL_UNIGRAM);
    await edit(dir);
    try {
      await load(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('MODEL_INVALID');
      return (e as DomainError).message;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    throw new Error('the model loaded');
  }
  const config = (dir: string) => path.join(dir, 'config.json');

  it('a missing tokenizer', async () => {
    expect(await problem((d) => fs.rm(path.join(d, 'tokenizer.json')))).toMatch(
      /cannot read tokenizer\.json/,
    );
  });

  it('towers whose vectors differ in size', async () => {
    const msg = await problem((d) =>
      fs.copyFile(
        path.join(TINY_CLIP, 'onnx', 'vision_model.onnx'),
        path.join(d, 'onnx', 'vision_model.onnx'),
      ),
    );
    expect(msg).toMatch(/towers do not share one space: text_embeds has 16 dimensions, image_embeds 8/);
    expect(msg).toMatch(/text from tiny XLM-R-shaped encoder/);
  });

  it('a projection_dim the graphs do not give', async () => {
    const msg = await problem((d) => editJson(config(d), (c) => (c.projection_dim = 512)));
    expect(msg).toMatch(/text_embeds has shape \[.*, 16\]; expected \[batch, 512\]/);
  });

  it('a context longer than the position table', async () => {
    const msg = await problem((d) =>
      editJson(config(d), (c) => ((c.vitrine as Record<string, unknown>).text_max_length = 40)),
    );
    expect(msg).toMatch(/text_max_length 40 exceeds text_config\.max_position_embeddings 18/);
  });

  it('a tokenizer model the library does not run', async () => {
    const msg = await problem((d) =>
      editJson(
        path.join(d, 'tokenizer.json'),
        (t) => ((t.model as Record<string, unknown>).type = 'WordLevel'),
      ),
    );
    expect(msg).toMatch(
      /tokenizer\.json model type "WordLevel" is not supported \(supported: BPE, WordPiece, Unigram\)/,
    );
  });

  it('mean pooling declared over a graph without attention_mask', async () => {
    const msg = await problem(async (d) => {
      await fs.copyFile(
        path.join(TINY_CLIP_LEGACY, 'onnx', 'text_model.onnx'),
        path.join(d, 'onnx', 'text_model.onnx'),
      );
    });
    expect(msg).toMatch(/declares mean pooling but the text model takes no attention_mask/);
  });

  it('a pad id the vocabulary lacks', async () => {
    const msg = await problem((d) =>
      editJson(config(d), (c) => ((c.text_config as Record<string, unknown>).pad_token_id = 5000)),
    );
    expect(msg).toMatch(/pad_token_id 5000 is not in the vocabulary/);
  });
});
