import { join } from 'node:path';
import sharp from 'sharp';
import type { DecodedImage } from '../image/image-preprocessor';
import { OnnxEmbeddingProvider } from './onnx-embedding-provider';

const DEMO = join(__dirname, '../../../../models/demo-clip');

/** A long indexing-like batch: many decoded pictures in one bulk call. */
async function bigBatch(p: OnnxEmbeddingProvider, n: number): Promise<DecodedImage[]> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c03030' } })
    .png()
    .toBuffer();
  const one = await p.preprocessor.decode(new Uint8Array(png));
  return Array.from({ length: n }, () => one);
}

/** Which finishes first: a search-like single text, started while the bulk batch runs, or the batch. */
async function race(p: OnnxEmbeddingProvider): Promise<string[]> {
  const batch = await bigBatch(p, 1024);
  await p.embedText('warm up this priority');
  const order: string[] = [];
  const bulk = p.embedDecoded(batch).then(() => order.push('bulk'));
  await new Promise((r) => setTimeout(r, 20));
  const query = p.embedText('a red running shoe').then(() => order.push('query'));
  await Promise.all([bulk, query]);
  return order;
}

describe('interactive sessions', () => {
  it("'separate': a search's query finishes while an indexing batch is still running", async () => {
    const p = await OnnxEmbeddingProvider.load({
      modelDir: DEMO,
      interactiveSessions: 'separate',
      batchSize: 1024,
    });
    try {
      expect(await race(p)).toEqual(['query', 'bulk']);
    } finally {
      await p.close();
    }
  });

  it("'shared' (the default): the query waits for the running batch", async () => {
    const p = await OnnxEmbeddingProvider.load({ modelDir: DEMO, batchSize: 1024 });
    try {
      expect(await race(p)).toEqual(['bulk', 'query']);
    } finally {
      await p.close();
    }
  });

  it('bulk-priority single calls give the same embeddings as interactive ones', async () => {
    const p = await OnnxEmbeddingProvider.load({ modelDir: DEMO, interactiveSessions: 'separate' });
    try {
      const [a, b] = await Promise.all([
        p.embedText('blue denim jacket'),
        p.embedText('blue denim jacket', { priority: 'bulk' }),
      ]);
      expect([...b.vector]).toEqual([...a.vector]);
    } finally {
      await p.close();
    }
  });
});
