import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@vitrine/core';
import { EmbeddedVectorStore } from './embedded/embedded-store';
import { QdrantVectorStore } from './qdrant/qdrant-store';
import { VECTOR_STORE, type VectorStore } from './vector-store';
import { VectorsModule } from './vectors.module';

async function boot(env: Record<string, string>) {
  const app = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig(env)), VectorsModule.forRoot()],
  }).compile();
  await app.init();
  return app;
}

describe('VectorsModule', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-module-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('provides the embedded store under DATA_DIR when no Qdrant is configured, and closes it on shutdown', async () => {
    const app = await boot({ DATA_DIR: dir });
    const store = app.get<VectorStore>(VECTOR_STORE);
    expect(store).toBeInstanceOf(EmbeddedVectorStore);
    await store.ensureCollection({ name: 'c', dim: 2, vectors: ['image'] });
    expect(await fs.readdir(path.join(dir, 'vectors', 'collections'))).toEqual(['c']);
    await app.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Closing released the directory lock: another store can open it.
    const again = await EmbeddedVectorStore.open(path.join(dir, 'vectors'));
    expect(await again.listCollections()).toEqual(['c']);
    await again.close();
  });

  it('provides the Qdrant adapter when QDRANT_URL is set, without connecting at boot', async () => {
    const app = await boot({ DATA_DIR: dir, QDRANT_URL: 'http://127.0.0.1:9', QDRANT_QUANTIZATION: 'int8' });
    expect(app.get(VECTOR_STORE)).toBeInstanceOf(QdrantVectorStore);
    await app.close();
  });
});
