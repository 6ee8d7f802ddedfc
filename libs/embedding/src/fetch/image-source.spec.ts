import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImageSource } from './image-source';
import { SafeFetcher } from './safe-fetch';

describe('ImageSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-img-'));
  writeFileSync(join(dir, 'a.png'), Buffer.from([1, 2, 3]));
  writeFileSync(join(dir, 'big.png'), Buffer.alloc(200));
  const fetcher = new SafeFetcher({ timeoutMs: 500, maxBytes: 100, maxRedirects: 0, allowPrivate: false });
  const source = new ImageSource(fetcher, 100);
  afterAll(() => fetcher.close());

  it('reads file URIs', async () => {
    expect([...(await source.load(pathToFileURL(join(dir, 'a.png')).href))]).toEqual([1, 2, 3]);
  });

  it('reports a missing file as a permanent failure and an oversized one as too large', async () => {
    await expect(source.load(pathToFileURL(join(dir, 'nope.png')).href)).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      transient: false,
    });
    await expect(source.load(pathToFileURL(join(dir, 'big.png')).href)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(source.load(pathToFileURL(dir).href)).rejects.toMatchObject({ code: 'FETCH_FAILED' });
  });

  it('sends web URIs through the SSRF guard and refuses other schemes', async () => {
    await expect(source.load('http://127.0.0.1:9/x.png')).rejects.toMatchObject({ code: 'FETCH_FORBIDDEN' });
    await expect(source.load('data:image/png;base64,AAAA')).rejects.toMatchObject({
      code: 'FETCH_FORBIDDEN',
    });
  });
});
