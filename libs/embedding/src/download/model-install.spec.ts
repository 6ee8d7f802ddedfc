import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DomainError } from '@vitrine/core';
import { MULTILINGUAL_UNIGRAM, copyModel, editJson } from '../../test-fixtures/fixtures';
import { OnnxEmbeddingProvider } from '../onnx/onnx-embedding-provider';
import { CHECKSUMS_FILE } from './model-download';
import { installExportedModel } from './model-install';

const NAME = 'tiny-multilingual-clip';
const quiet = { log: () => undefined, warn: () => undefined };
const cleanup: string[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tmp(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-install-'));
  cleanup.push(d);
  return d;
}

async function exported(): Promise<string> {
  const d = await copyModel(MULTILINGUAL_UNIGRAM);
  cleanup.push(d);
  return d;
}

async function failure(p: Promise<unknown>): Promise<DomainError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('installExportedModel (vitrine model fetch <name> --from <dir>)', () => {
  it('copies a verified export into place, records its checksums, and the result loads as the same model', async () => {
    const from = await exported();
    const dir = path.join(await tmp(), NAME);
    const result = await installExportedModel({ name: NAME, from, dir });
    expect(result.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'config.json',
        'tokenizer.json',
        'onnx/text_model.onnx',
        'onnx/vision_model.onnx',
      ]),
    );
    const record = JSON.parse(await fs.readFile(path.join(dir, CHECKSUMS_FILE), 'utf8')) as {
      repo: string;
      files: Record<string, { sha256: string }>;
    };
    expect(record.repo).toBe('export:generated/tiny-xlmr+generated/tiny-conv');
    const manifest = JSON.parse(await fs.readFile(path.join(from, 'export.json'), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    };
    expect(record.files['onnx/text_model.onnx']?.sha256).toBe(manifest.files['onnx/text_model.onnx']?.sha256);
    const [a, b] = await Promise.all([
      OnnxEmbeddingProvider.load({ modelDir: from, logger: quiet }),
      OnnxEmbeddingProvider.load({ modelDir: dir, logger: quiet }),
    ]);
    try {
      expect(b.modelId).toBe(a.modelId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    // The source folder is copied, not moved.
    await expect(fs.stat(path.join(from, 'onnx', 'text_model.onnx'))).resolves.toBeTruthy();
  });

  it('refuses a copy that does not match export.json and leaves nothing behind', async () => {
    const from = await exported();
    const onnx = path.join(from, 'onnx', 'text_model.onnx');
    const bytes = await fs.readFile(onnx);
    await fs.writeFile(onnx, bytes.subarray(0, bytes.length - 100)); // a cut copy
    const parent = await tmp();
    const e = await failure(installExportedModel({ name: NAME, from, dir: path.join(parent, NAME) }));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/onnx\/text_model\.onnx does not match export\.json .*an incomplete copy/);
    expect(await fs.readdir(parent)).toEqual([]);
  });

  it('refuses a folder exported as another model, or one without export.json', async () => {
    const from = await exported();
    const dir = path.join(await tmp(), 'x');
    const wrong = await failure(installExportedModel({ name: 'clip-vit-b32-multilingual', from, dir }));
    expect(wrong.code).toBe('VALIDATION_FAILED');
    expect(wrong.message).toMatch(/holds an export of tiny-multilingual-clip, not clip-vit-b32-multilingual/);
    await fs.rm(path.join(from, 'export.json'));
    const none = await failure(installExportedModel({ name: NAME, from, dir }));
    expect(none.code).toBe('MODEL_INVALID');
    expect(none.message).toMatch(/cannot read export\.json .*tools\/multilingual-clip\/export\.py/);
  });

  it('refuses an export whose files match but do not load, naming the problem', async () => {
    const from = await exported();
    // Rewrite config.json and its entry in export.json together: the copy is faithful, the model is not.
    await editJson(path.join(from, 'config.json'), (c) => (c.projection_dim = 512));
    const { createHash } = await import('node:crypto');
    const cfg = await fs.readFile(path.join(from, 'config.json'));
    await editJson(path.join(from, 'export.json'), (m) => {
      (m.files as Record<string, unknown>)['config.json'] = {
        sha256: createHash('sha256').update(cfg).digest('hex'),
        size: cfg.length,
      };
    });
    const parent = await tmp();
    const e = await failure(installExportedModel({ name: NAME, from, dir: path.join(parent, NAME) }));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/expected \[batch, 512\]/);
    expect(await fs.readdir(parent)).toEqual([]);
  });
});
