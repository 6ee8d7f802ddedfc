import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigModule, DomainError, loadConfig, type AppConfig } from '@vitrine/core';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../../../test/support/catalog-db';
import { syntheticProducts } from '../../../test/support/catalog-fixtures';
import { createCatalogDataSource } from './database/catalog-data-source';
import { CatalogModule } from './catalog.module';
import { IndexStateRepository } from './repository/index-state.repository';
import { ProductRepository } from './repository/product.repository';

async function boot(config: AppConfig) {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), CatalogModule.forRoot()],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('CatalogModule', () => {
  let pg: TestDatabase;
  let dir: string;
  beforeAll(async () => (pg = await createTestDatabase('module')));
  afterAll(() => pg?.drop());
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-module-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('migrates a new PostgreSQL database at boot and provides working repositories', async () => {
    const app = await boot(loadConfig({ DATABASE_URL: pg.url }));
    try {
      const products = app.get(ProductRepository);
      const { changed } = await products.upsertMany(syntheticProducts(3));
      await app.get(IndexStateRepository).markPending('m', [changed[0]!.id]);
      expect(await products.count()).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('boots two processes-worth of catalogs on one PostgreSQL at once (migrations under a lock)', async () => {
    const other = await createTestDatabase('module_race');
    try {
      const config = { kind: 'postgres' as const, url: other.url, poolSize: 1 };
      const both = await Promise.all([createCatalogDataSource(config), createCatalogDataSource(config)]);
      expect(await new ProductRepository(both[0]).count()).toBe(0);
      await Promise.all(both.map((d) => d.close()));
    } finally {
      await other.drop();
    }
  });

  it('refuses a PGlite folder locked by another live process, naming it', async () => {
    const dataDir = path.join(dir, 'pglite');
    fs.writeFileSync(`${dataDir}.lock`, String(process.ppid));
    await expect(createCatalogDataSource({ kind: 'pglite', dir: dataDir })).rejects.toThrow(
      `Embedded database ${dataDir} is in use by process ${process.ppid}`,
    );
    expect(fs.readFileSync(`${dataDir}.lock`, 'utf8')).toBe(String(process.ppid));
  });

  it(
    'runs embedded on PGlite under DATA_DIR, keeps data across restarts and refuses a second opener',
    async () => {
      const config = loadConfig({ DATA_DIR: dir });
      if (config.database.kind !== 'pglite') throw new Error('expected embedded mode');
      await copyPgliteTemplate(config.database.dir);
      // As after a container restart: the previous run's lock names the pid this process has now.
      fs.writeFileSync(`${config.database.dir}.lock`, String(process.pid));

      const app = await boot(config);
      try {
        await app.get(ProductRepository).upsertMany(syntheticProducts(4));
        await expect(createCatalogDataSource(config.database)).rejects.toThrow(DomainError);
        await expect(createCatalogDataSource(config.database)).rejects.toThrow(
          /already open in this process/,
        );
      } finally {
        await app.close();
      }
      expect(fs.existsSync(`${config.database.dir}.lock`)).toBe(false);

      const reopened = await createCatalogDataSource(config.database);
      try {
        expect(await new ProductRepository(reopened).count()).toBe(4);
      } finally {
        await reopened.close();
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );
});
