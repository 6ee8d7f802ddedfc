import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { runModelFetch, runModelInfo } from './model-commands';

const TINY = path.resolve(__dirname, '../../../../libs/embedding/test-fixtures/tiny-clip');

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
});
