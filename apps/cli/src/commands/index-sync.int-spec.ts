import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { syntheticCatalogLines, writeJsonl } from '../../../../test/support/catalog-fixtures';
import { runCatalogImport } from './catalog-import';
import { runIndexSync } from './indexing';

class Capture extends PassThrough {
  text = '';
  constructor(readonly isTTY = false) {
    super();
    this.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }
}

describe('index sync (PostgreSQL, demo model, in-process queue)', () => {
  let db: TestDatabase;
  let dir: string;
  let config: AppConfig;
  beforeAll(async () => {
    db = await createTestDatabase('cli_index_sync');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-cli-sync-'));
    config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: dir, LOG_LEVEL: 'error' });
    const file = path.join(dir, 'catalog.jsonl');
    await writeJsonl(file, syntheticCatalogLines(24, { skuPrefix: 'SYNC', imagesPerProduct: 0 }));
    const quiet = { config, stdout: new Capture(), stderr: new Capture() };
    expect(await runCatalogImport({ file, dryRun: false }, quiet)).toBe(0);
    // Products without vectors and no relayed work in flight: what the sync finds and queues is all of them (the
    // relayed jobs would otherwise run in this process while it reconciles, and the count would vary).
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('DELETE FROM index_outbox');
    await client.end();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('indexes here when embedded, and its progress bar counts the products up to the total', async () => {
    const stdout = new Capture();
    const stderr = new Capture(true);
    expect(await runIndexSync({ config, stdout, stderr }, false)).toBe(0);
    expect(stdout.text).toContain('queued 24 products with missing or stale vectors');
    expect(stdout.text).toContain('indexed 24, failed 0, pending 0');
    expect(stderr.text).toMatch(/indexing \[.*\] 100% \| 24\/24 products/);
  }, 120_000);
});
