import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeVectorStoreContract } from '../testing/contract';
import { OpenApiCheckers } from '../testing/openapi-check';
import { QdrantStandIn } from '../testing/qdrant-standin';
import { QdrantVectorStore } from './qdrant-store';

// The Qdrant adapter through HTTP, against the stand-in that answers Qdrant's REST API from an embedded store
// (no Qdrant server can run here). Every request the adapter sends and every response the stand-in gives is
// checked against Qdrant's own OpenAPI documents of 1.18 and 1.19 (vendored in ./openapi).
const checker = OpenApiCheckers.load();
let standIn: QdrantStandIn | undefined;

describeVectorStoreContract('qdrant adapter on the Qdrant stand-in', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-qdrant-standin-'));
  standIn = await QdrantStandIn.start({ dir, checker });
  // The stand-in is always green: the alias wait only ever waits on a point count, which a test keeps short.
  const store = new QdrantVectorStore({ url: standIn.url, readyTimeoutMs: 300, readyPollMs: 50 });
  await store.ping();
  return {
    store,
    prefix: 'vt-contract-',
    teardown: async () => {
      await store.close();
      await standIn!.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});

describe('Qdrant stand-in against the Qdrant 1.18 and 1.19 OpenAPI documents', () => {
  it('saw only requests and responses the document allows', () => {
    expect(standIn!.requests).toBeGreaterThan(50);
    expect(standIn!.violations).toEqual([]);
  });

  it('answers like Qdrant when the api-key is missing, a route is unknown or a filter cannot be translated', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-qdrant-standin-'));
    const s = await QdrantStandIn.start({ dir, checker, apiKey: 'secret' });
    try {
      const noKey = await fetch(`${s.url}/collections`);
      expect(noKey.status).toBe(401);
      expect(await noKey.json()).toMatchObject({ status: { error: expect.any(String) } });
      const headers = { 'api-key': 'secret', 'content-type': 'application/json' };
      expect((await fetch(`${s.url}/collections`, { headers })).status).toBe(200);
      await fetch(`${s.url}/collections/c1`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ vectors: { image: { size: 2, distance: 'Cosine' } } }),
      });
      // A filter the embedded store cannot express is refused, never answered as if unfiltered.
      const geo = await fetch(`${s.url}/collections/c1/points/count`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ filter: { should: [{ key: 'brand', match: { value: 'a' } }] } }),
      });
      expect(geo.status).toBe(400);
      expect(await geo.json()).toMatchObject({ status: { error: expect.stringContaining('should') } });
      expect((await fetch(`${s.url}/collections/c1/points/facet`, { method: 'POST', headers })).status).toBe(
        404,
      );
      expect(s.violations).toEqual([]);
    } finally {
      await s.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
