import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DomainError, loadConfig } from '@vitrine/core';
import { IndexStateRepository } from '@vitrine/catalog';
import {
  EMBEDDING_PROVIDER,
  RemoteEmbeddingProvider,
  dot,
  embeddingProviderFromConfig,
  type EmbeddingProvider,
} from '@vitrine/embedding';
import { EmbedderModule } from '../../apps/embedder/src/embedder.module';
import { configureEmbedder } from '../../apps/embedder/src/embedder.setup';
import { DEMO_DIR, startApiApp, type ApiTestApp } from '../api/api-app';
import { DEMO_MODEL_DIR } from '../support/indexing-app';
import { waitForIdle } from '../support/queue-idle';

const ROOT = resolve(__dirname, '../..');
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

interface Page {
  items: { sku: string; score: number }[];
}

/** apps/embedder on a free port, serving the demo model. */
async function startEmbedder(port = 0): Promise<{ app: NestExpressApplication; url: string }> {
  const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' }, ROOT);
  const moduleRef = await Test.createTestingModule({ imports: [EmbedderModule.forRoot(config)] })
    .setLogger(quiet)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: quiet });
  configureEmbedder(app);
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}` };
}

const KEY = 'embedding-service-e2e-admin-key-0123456789';
const QUERIES = ['banana', 'red apple', 'guitar', 'backpack', 'umbrella'];
const PICTURES = ['1st-place-medal.png', '2nd-place-medal.png'];

describe('CLIP as a service: the API and indexer embed through apps/embedder when EMBEDDING_URL is set', () => {
  let embedder: { app: NestExpressApplication; url: string };
  let remote: ApiTestApp;
  let local: ApiTestApp;

  beforeAll(async () => {
    embedder = await startEmbedder();
    // The remote API indexes the demo catalog through the service too (it consumes its own queue here).
    remote = await startApiApp({
      demoCatalog: true,
      env: { EMBEDDING_URL: embedder.url, ADMIN_API_KEYS: KEY },
    });
    local = await startApiApp({ demoCatalog: true });
  }, 600_000);
  afterAll(async () => {
    await Promise.all([remote?.close(), local?.close()]);
    await embedder?.app.close();
  });

  const text = async (t: ApiTestApp, query: string) =>
    (await request(t.server).post('/v1/search/text').send({ query, limit: 10 }).expect(200)).body as Page;
  const picture = async (t: ApiTestApp, file: string) =>
    (
      await request(t.server)
        .post('/v1/search/image')
        .attach('image', join(DEMO_DIR, 'queries', file))
        .field('limit', '10')
        .expect(200)
    ).body as Page;

  it('answers text and picture searches with the same products and scores as the in-process model', async () => {
    for (const q of QUERIES) {
      const [a, b] = [await text(remote, q), await text(local, q)];
      expect(a.items.map((i) => i.sku)).toEqual(b.items.map((i) => i.sku));
      a.items.forEach((item, k) => expect(item.score).toBeCloseTo(b.items[k]!.score, 4));
    }
    for (const f of PICTURES) {
      const [a, b] = [await picture(remote, f), await picture(local, f)];
      expect(a.items.map((i) => i.sku)).toEqual(b.items.map((i) => i.sku));
    }
  }, 120_000);

  it('is the remote adapter in the API, and hands back the decoded picture with its embedding', async () => {
    const provider = remote.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    expect(provider).toBeInstanceOf(RemoteEmbeddingProvider);
    const bytes = readFileSync(join(DEMO_DIR, 'queries', PICTURES[0]!));
    const { embedding, decoded } = await (provider as RemoteEmbeddingProvider).embedImageDecoded(bytes);
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(dot(embedding.vector, (await provider.embedImage(bytes)).vector)).toBeCloseTo(1, 5);
  });

  it('reports its requests and model runs on /metrics', async () => {
    const metrics = await request(embedder.app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/vitrine_embedder_requests_total\{model="text_model",outcome="ok"\} [1-9]/);
    expect(metrics.text).toMatch(
      /vitrine_embedder_batch_rows_count\{model="vision_model",priority="bulk"\} [1-9]/,
    );
  });

  it('refuses a service that serves another model, naming both model ids', async () => {
    // Same graphs under another name: another model id, as after a retrained export.
    const dir = mkdtempSync(join(tmpdir(), 'vitrine-other-model-'));
    try {
      cpSync(DEMO_MODEL_DIR, dir, { recursive: true });
      const configFile = join(dir, 'config.json');
      const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as { vitrine: { name: string } };
      cfg.vitrine.name = 'another-clip';
      writeFileSync(configFile, JSON.stringify(cfg));
      const config = loadConfig({ MODEL_DIR: dir, EMBEDDING_URL: embedder.url, LOG_LEVEL: 'silent' }, ROOT);
      const e = (await embeddingProviderFromConfig(config, { logger: quiet }).catch(
        (x: unknown) => x,
      )) as DomainError;
      expect(e).toBeInstanceOf(DomainError);
      expect(e.code).toBe('MODEL_MISMATCH');
      expect(e.message).toContain('another-clip@');
      expect(e.message).toContain('vitrine-demo-clip@');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 UNAVAILABLE while the service is down and the indexer retries its job until it is back', async () => {
    const port = Number(new URL(embedder.url).port);
    const states = remote.app.get(IndexStateRepository);
    const modelId = remote.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId;
    const before = await states.counts(modelId);
    await embedder.app.close();
    const res = await request(remote.server)
      .post('/v1/search/text')
      .send({ query: 'a query nobody asked before' })
      .expect(503);
    expect(res.body.error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(res.body.error.message).toContain('embedding service');
    // A catalog write still succeeds; its index job fails on the embedding and waits for its next attempt.
    await request(remote.server)
      .post('/v1/admin/products')
      .set('X-Api-Key', KEY)
      .send({ sku: 'EMB-DOWN-1', title: 'Qwxyz enamel kettle', images: [] })
      .expect(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await states.counts(modelId)).indexed).toBe(before.indexed);
    embedder = await startEmbedder(port);
    await waitForIdle(remote.queue, 60_000);
    const after = await states.counts(modelId);
    expect(after.indexed).toBe(before.indexed + 1);
    expect(after.failed).toBe(before.failed);
    const page = (
      await request(remote.server).post('/v1/search/text').send({ query: 'qwxyz kettle' }).expect(200)
    ).body as Page;
    expect(page.items[0]?.sku).toBe('EMB-DOWN-1');
  }, 120_000);
});
