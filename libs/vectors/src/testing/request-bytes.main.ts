// Bytes on the wire of one search's vector reads against Qdrant's REST API, before and after issue 16
// (`node -r @swc-node/register libs/vectors/src/testing/request-bytes.main.ts`). No Qdrant can run here: the
// answers come from the Qdrant stand-in, which writes vectors as Qdrant does (shortest float32 text).
import { promises as fs } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prng } from '../prng';
import { QdrantVectorStore } from '../qdrant/qdrant-store';
import { searchBatch } from '../vector-store';
import { randomUnit } from './dataset';
import { QdrantStandIn } from './qdrant-standin';

const DIM = 512;
const POINTS = 2000;
const CANDIDATES = 50;

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-bytes-'));
  const standIn = await QdrantStandIn.start({ dir });
  const target = new URL(standIn.url);
  let sent = 0;
  let received = 0;
  let requests = 0;
  // A counting proxy between the client and the stand-in.
  const proxy = createServer((req, res) => {
    requests++;
    const up = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.on('data', (c: Buffer) => (received += c.length));
        r.pipe(res);
      },
    );
    req.on('data', (c: Buffer) => (sent += c.length));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const store = new QdrantVectorStore({ url: standIn.url });
  const rng = new Prng(16);
  await store.ensureCollection({ name: 'bytes', dim: DIM, vectors: ['image', 'text'] });
  const ids = Array.from(
    { length: POINTS },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  );
  await store.upsert(
    'bytes',
    ids.map((id, i) => ({
      id,
      vectors: { image: randomUnit(rng, DIM), text: randomUnit(rng, DIM) },
      payload: {
        sku: `sku-${i}`,
        category: 'shoes',
        brand: 'acme',
        price: 10 + i,
        currency: 'EUR',
        inStock: i % 3 !== 0,
        contentHash: 'f'.repeat(64),
        modelId: 'demo-clip@1234abcd',
        attributes: { color: 'red', popularity: i },
      },
    })),
  );
  const query = randomUnit(rng, DIM);
  const measure = async (what: string, run: () => Promise<unknown>) => {
    [sent, received, requests] = [0, 0, 0];
    await run();
    console.log(
      `${what.padEnd(62)} ${String(requests).padStart(2)} requests  ${String(sent).padStart(7)} B sent  ${String(received).padStart(8)} B received`,
    );
  };
  // Before: one /points/query per retriever, both vectors and the whole payload of every candidate, float64 text.
  await measure('before: 2 queries, both vectors, whole payload, float64 query', () =>
    Promise.all(
      (['image', 'text'] as const).map((using) =>
        fetch(`${url}/collections/bytes/points/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: Array.from(query),
            using,
            limit: CANDIDATES,
            with_payload: true,
            with_vector: true,
          }),
        }).then((r) => r.text()),
      ),
    ),
  );
  const client = new QdrantVectorStore({ url });
  const requestsOf = (payloadFields: string[]) =>
    (['image', 'text'] as const).map((vector) => ({ vector, query, limit: CANDIDATES, payloadFields }));
  await measure('after: 1 batch, no vectors, payload inStock + attributes', () =>
    searchBatch(client, 'bytes', requestsOf(['inStock', 'attributes'])),
  );
  await measure('  + the image vector of the 50 candidates kept (if reranking needs it)', async () => {
    const [hits] = await searchBatch(client, 'bytes', requestsOf(['inStock', 'attributes']));
    await client.get(
      'bytes',
      hits!.map((h) => h.id),
      { vectorNames: ['image'], payloadFields: [] },
    );
  });
  await measure('upsert of 256 points, float64 text (before)', () =>
    fetch(`${url}/collections/bytes/points?wait=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        points: ids.slice(0, 256).map((id) => ({
          id,
          vector: { image: Array.from(randomUnit(rng, DIM)), text: Array.from(randomUnit(rng, DIM)) },
          payload: {},
        })),
      }),
    }).then((r) => r.text()),
  );
  await measure('upsert of 256 points, shortest float32 text (after)', () =>
    client.upsert(
      'bytes',
      ids.slice(0, 256).map((id) => ({
        id,
        vectors: { image: randomUnit(rng, DIM), text: randomUnit(rng, DIM) },
        payload: {},
      })),
    ),
  );
  proxy.closeAllConnections();
  proxy.close();
  await standIn.close();
  await fs.rm(dir, { recursive: true, force: true });
}

void main();
