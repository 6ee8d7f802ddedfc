import { randomBytes } from 'node:crypto';
import { describeVectorStoreContract } from '../testing/contract';
import { makeDataset, toInput } from '../testing/dataset';
import { QdrantClient } from './qdrant-client';
import { QdrantVectorStore } from './qdrant-store';

// Runs only against a live Qdrant: `docker compose up -d qdrant && npm run test:qdrant` (QDRANT_URL defaults to
// http://127.0.0.1:6333 there). Every collection and alias it creates carries a random prefix and is dropped.
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = () => `vt-contract-${randomBytes(4).toString('hex')}-`;

if (!url) {
  describe('QdrantVectorStore against a live Qdrant', () => {
    it.skip('needs QDRANT_URL: run `docker compose up -d qdrant` then `npm run test:qdrant`', () =>
      undefined);
  });
} else {
  describeVectorStoreContract('qdrant', async () => {
    const store = new QdrantVectorStore({ url, ...(apiKey ? { apiKey } : {}) });
    await store.ping();
    return { store, prefix: prefix(), teardown: () => store.close() };
  });

  describe('QdrantVectorStore with int8 quantisation, live', () => {
    const name = `${prefix()}quantized`;
    const store = new QdrantVectorStore({ url, ...(apiKey ? { apiKey } : {}), quantization: 'int8' });
    const client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });

    afterAll(async () => {
      await store.dropCollection(name);
    });

    it('creates the collection quantised and still finds a point by its own vector', async () => {
      const data = makeDataset(5, 200, 64);
      await store.ensureCollection({ name, dim: 64, vectors: ['image', 'text'] });
      const info = await client.getCollection(name);
      expect(info.config.quantization_config).toMatchObject({ scalar: { type: 'int8' } });
      await store.upsert(name, data.map(toInput));
      const p = data.find((x) => x.vectors.image)!;
      const [hit] = await store.search(name, { vector: 'image', query: p.vectors.image!, limit: 1 });
      expect(hit!.id).toBe(p.id);
      expect(hit!.score).toBeCloseTo(1, 3);
    });
  });
}
