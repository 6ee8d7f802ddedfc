import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig, NotFoundError, type AppConfig } from '@vitrine/core';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../../../../test/support/catalog-db';
import { syntheticCatalogLines, writeJsonl } from '../../../../test/support/catalog-fixtures';
import { runCatalogImport } from './catalog-import';

class Capture extends PassThrough {
  text = '';
  constructor(readonly isTTY = false) {
    super();
    this.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }
}

async function run(config: AppConfig, file: string, options: { dryRun?: boolean; tty?: boolean } = {}) {
  const stdout = new Capture();
  const stderr = new Capture(options.tty ?? false);
  const code = await runCatalogImport({ file, dryRun: options.dryRun ?? false }, { config, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-cli-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('catalog import (PostgreSQL)', () => {
  let db: TestDatabase;
  let config: AppConfig;
  beforeAll(async () => {
    db = await createTestDatabase('cli');
    config = loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2' });
  });
  afterAll(() => db?.drop());

  it('lists each rejected line on stderr, imports the rest and exits with 1', async () => {
    const file = path.join(dir, 'mixed.jsonl');
    const [a, b] = [...syntheticCatalogLines(2, { skuPrefix: 'MIX' })];
    await writeJsonl(file, [a!, '{oops', '', { ...b!, price: { amount: -3, currency: 'EUR' } }, b!, a!]);

    const result = await run(config, file);

    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(/^line 2: malformed JSON: Expected property name or '}' in JSON at position 1/),
      'line 4: price.amount: must not be negative',
      `line 6: duplicate SKU "${a!.sku}" (first on line 1)`,
      '3 lines rejected (listed above); 2 accepted lines were imported.',
      '',
    ]);
    expect(result.stdout).toMatch(
      /^Imported mixed\.jsonl in [\d.]+ s\. 6 lines: 2 accepted, 3 rejected, 1 blank\.\n/,
    );
    expect(result.stdout).toContain('Products: 2 created, 0 updated, 0 unchanged.');
  });

  it('exits with 0 for a clean file, and a second run changes nothing', async () => {
    const file = path.join(dir, 'clean.jsonl');
    await writeJsonl(file, syntheticCatalogLines(30, { skuPrefix: 'CLEAN' }));

    const first = await run(config, file);
    const second = await run(config, file);

    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('Products: 30 created, 0 updated, 0 unchanged.');
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain('Products: 0 created, 0 updated, 30 unchanged.');
  });

  it('draws a progress bar on a terminal, with rejected lines above it', async () => {
    const file = path.join(dir, 'tty.jsonl');
    await writeJsonl(file, [...syntheticCatalogLines(3, { skuPrefix: 'TTY' }), 'nope']);
    const result = await run(config, file, { tty: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 4: malformed JSON');
    expect(result.stderr).toMatch(/importing \|.*\| 100% \| 4 lines, 1 rejected/);
  });

  it('fails with NOT_FOUND before connecting when the file does not exist', async () => {
    await expect(run(config, path.join(dir, 'missing.jsonl'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('catalog import (embedded PGlite)', () => {
  it(
    'imports into DATA_DIR and keeps the data after closing it (a later dry run counts against it)',
    async () => {
      const config = loadConfig({ DATA_DIR: path.join(dir, 'data') });
      if (config.database.kind !== 'pglite') throw new Error('expected embedded mode');
      await copyPgliteTemplate(config.database.dir);
      fs.mkdirSync(path.join(dir, 'images'));
      fs.writeFileSync(path.join(dir, 'images', 'a.png'), 'png');
      const file = path.join(dir, 'catalog.jsonl');
      await writeJsonl(
        file,
        syntheticCatalogLines(20, { imagesPerProduct: 1, imageRef: () => 'images/a.png' }),
      );
      const edited = path.join(dir, 'edited.jsonl');
      await writeJsonl(
        edited,
        syntheticCatalogLines(21, { imagesPerProduct: 1, imageRef: () => 'images/a.png' }),
      );

      const first = await run(config, file);
      const dry = await run(config, edited, { dryRun: true });

      expect(first.stdout).toContain('Products: 20 created, 0 updated, 0 unchanged.');
      expect(dry.stdout).toMatch(/^Dry run of edited\.jsonl .*nothing written/);
      expect(dry.stdout).toContain('Would create 1, update 0; 20 unchanged.');
      expect([first.code, dry.code]).toEqual([0, 0]);
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );
});
