import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { IndexStateRepository, ProductRepository } from '@vitrine/catalog';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '@vitrine/embedding';
import { syntheticProducts } from '../../../../test/support/catalog-fixtures';
import { startIndexingStack, type IndexingStack } from '../../../../test/support/indexing-app';
import { runIndexStatus } from './indexing';

class Capture extends PassThrough {
  text = '';
  constructor() {
    super();
    this.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }
}

describe('vitrine index status: products that could not be indexed, and why', () => {
  let stack: IndexingStack;
  const skus: string[] = [];

  beforeAll(async () => {
    stack = await startIndexingStack({}, { role: 'producer' });
    const inputs = syntheticProducts(12).map((p) => ({ ...p, images: [] }));
    const { changed } = await stack.app.get(ProductRepository).upsertMany(inputs);
    const modelId = stack.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER).modelId;
    await stack.app.get(IndexStateRepository).markFailed(
      modelId,
      changed.map((c, i) => ({ productId: c.id, reason: `FETCH_FAILED: HTTP 404 fetching picture ${i}` })),
    );
    skus.push(...changed.map((c) => c.sku));
    // Closed here, so that the command opens the data directory as it would from a shell; dropped after.
    await stack.close();
  }, 60_000);
  afterAll(async () => {
    await stack.db.drop();
    rmSync(stack.dataDir, { recursive: true, force: true });
  });

  const status = async (json: boolean) => {
    const stdout = new Capture();
    const code = await runIndexStatus({ config: stack.config, stdout, stderr: new Capture() }, json);
    return { code, out: stdout.text };
  };

  it('lists the first failures with their reasons and says how many more there are', async () => {
    const { code, out } = await status(false);
    expect(code).toBe(0);
    expect(out).toMatch(/^failed {6}12 /m);
    const listed = out
      .split('\n')
      .filter((l) => /^ {2}\S+ {2}FETCH_FAILED: HTTP 404 fetching picture \d+$/.test(l));
    expect(listed).toHaveLength(10);
    for (const line of listed) expect(skus).toContain(line.trim().split(/\s+/)[0]);
    expect(out).toContain('  … and 2 more (--json, or GET /v1/admin/index/failures)');
  }, 60_000);

  it('puts them in --json with the total', async () => {
    const { out } = await status(true);
    const doc = JSON.parse(out) as { failures: { total: number; items: { sku: string; reason: string }[] } };
    expect(doc.failures.total).toBe(12);
    expect(doc.failures.items).toHaveLength(10);
    expect(doc.failures.items[0]!.reason).toMatch(/^FETCH_FAILED: HTTP 404/);
  }, 60_000);
});
