import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { runModelFetch, runModelInfo } from './model-commands';

const FIXTURES = path.resolve(__dirname, '../../../../libs/embedding/test-fixtures');
const TINY = path.join(FIXTURES, 'tiny-clip');
const MULTILINGUAL = path.join(FIXTURES, 'multilingual-unigram');

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

describe('vitrine model', () => {
  it('info prints model id, dim, max length, image size and provider', async () => {
    const [out, err] = [sink(), sink()];
    const config = loadConfig({ EMBEDDING_DEVICE: 'cuda' });
    expect(await runModelInfo({ dir: TINY }, { config, stdout: out.stream, stderr: err.stream })).toBe(0);
    expect(out.text()).toMatch(/model id\s+tiny-clip@[0-9a-f]{12}\n/);
    expect(out.text()).toMatch(/dim\s+8\n/);
    expect(out.text()).toMatch(/max length\s+16 tokens\n/);
    expect(out.text()).toMatch(/image size\s+32x32\n/);
    expect(out.text()).toMatch(/provider\s+cpu \(requested cuda\)\n/);
    expect(err.text()).toMatch(/^warning: .*CUDA/);
  });

  it('fetch refuses unknown models and unpinned checksums without --trust-on-first-use', async () => {
    const [out, err] = [sink(), sink()];
    const io = { stdout: out.stream, stderr: err.stream };
    await expect(runModelFetch({ name: 'nope' }, io)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      runModelFetch(
        { name: 'clip-vit-base-patch32', dir: '/nonexistent/x', baseUrl: 'http://127.0.0.1:9' },
        io,
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('info names the tokenizer, the pooling and where each tower comes from', async () => {
    const [out, err] = [sink(), sink()];
    const config = loadConfig({});
    expect(
      await runModelInfo({ dir: MULTILINGUAL }, { config, stdout: out.stream, stderr: err.stream }),
    ).toBe(0);
    expect(out.text()).toMatch(/max length\s+16 tokens\n/);
    expect(out.text()).toMatch(/start 0, end 2, pad 1\n/);
    expect(out.text()).toMatch(/tokenizer\s+Unigram; mean pooling in the graph\n/);
    expect(out.text()).toMatch(/text tower\s+tiny XLM-R-shaped encoder/);
    expect(out.text()).toMatch(/space\s+tiny-multilingual-clip\n/);
  });

  it('fetch of a multilingual model says how to export it, and --from installs the export', async () => {
    const [out, err] = [sink(), sink()];
    const io = { stdout: out.stream, stderr: err.stream };
    const refused = runModelFetch({ name: 'clip-vit-b32-multilingual' }, io);
    await expect(refused).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(refused).rejects.toThrow(
      /tools\/multilingual-clip\/export\.py clip-vit-b32-multilingual --out <dir>.*--from <dir>/,
    );
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-cli-'));
    try {
      const dir = path.join(parent, 'm');
      const code = await runModelFetch(
        { name: 'tiny-multilingual-clip', from: MULTILINGUAL, dir, printChecksums: true },
        io,
      );
      expect(code).toBe(0);
      expect(out.text()).toMatch(/"path": "onnx\/text_model\.onnx"/);
      expect(out.text()).toMatch(
        /Installed tiny-multilingual-clip in .* files checked against export\.json and loaded/,
      );
      await expect(fs.stat(path.join(dir, 'checksums.json'))).resolves.toBeTruthy();
    } finally {
      await fs.rm(parent, { recursive: true, force: true });
    }
  });
});
