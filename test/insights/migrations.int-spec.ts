import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createCatalogDataSource, ProductRepository, type CatalogDatabase } from '@vitrine/catalog';
import { ATTRIBUTE_MIGRATIONS, AttributeRepository, PIXELS_MODEL_ID } from '@vitrine/attributes';
import { DESCRIPTION_MIGRATIONS, DescriptionDraftRepository } from '@vitrine/descriptions';
import { productInput } from '../support/catalog-fixtures';
import { copyPgliteTemplate, OPEN_CATALOG_TIMEOUT_MS } from '../support/catalog-db';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The migration as libs/catalog shipped it before attributes and descriptions owned their tables: one class that
 * created both. Databases in the field ran it; the libraries' own migrations must carry on from there.
 */
class LegacyProductInsights1764700000000 implements MigrationInterface {
  name = 'ProductInsights1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "product_extracted_attributes" (
        "product_id" uuid NOT NULL,
        "attribute" varchar(32) NOT NULL,
        "source" varchar(16) NOT NULL,
        "value" varchar(200) NOT NULL,
        "confidence" double precision NOT NULL,
        "model_id" varchar(200) NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        "extracted_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "product_extracted_attributes_pk" PRIMARY KEY ("product_id", "attribute", "source"),
        CONSTRAINT "product_extracted_attributes_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE,
        CONSTRAINT "product_extracted_attributes_source_chk" CHECK ("source" IN ('pixels', 'zero-shot')),
        CONSTRAINT "product_extracted_attributes_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX "product_extracted_attributes_value_idx" ON "product_extracted_attributes" ("attribute", "value")`,
    );
    await q.query(`
      CREATE TABLE "product_description_drafts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL,
        "style" varchar(16) NOT NULL,
        "text" text NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'draft',
        "generator" varchar(200) NOT NULL,
        "confidence" double precision NOT NULL,
        "inputs" jsonb NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "reviewed_at" timestamptz,
        "review_note" text,
        CONSTRAINT "product_description_drafts_pk" PRIMARY KEY ("id"),
        CONSTRAINT "product_description_drafts_product_fk" FOREIGN KEY ("product_id")
          REFERENCES "products" ("id") ON DELETE CASCADE,
        CONSTRAINT "product_description_drafts_style_chk" CHECK ("style" IN ('short', 'detailed', 'bullets', 'seo')),
        CONSTRAINT "product_description_drafts_status_chk" CHECK ("status" IN ('draft', 'approved', 'rejected')),
        CONSTRAINT "product_description_drafts_confidence_chk" CHECK ("confidence" >= 0 AND "confidence" <= 1)
      )`);
    await q.query(
      `CREATE INDEX "product_description_drafts_product_idx" ON "product_description_drafts" ("product_id", "created_at")`,
    );
    await q.query(
      `CREATE INDEX "product_description_drafts_status_idx" ON "product_description_drafts" ("status")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "product_description_drafts"`);
    await q.query(`DROP TABLE "product_extracted_attributes"`);
  }
}

const LIBRARY_MIGRATIONS = [...ATTRIBUTE_MIGRATIONS, ...DESCRIPTION_MIGRATIONS];

async function executed(db: CatalogDatabase): Promise<string[]> {
  const rows = await db.dataSource.query<{ name: string }[]>(
    'SELECT name FROM catalog_migrations ORDER BY id',
  );
  return rows.map((r) => r.name);
}

/** A product with one stored attribute and one draft; deleting the product removes both (their foreign keys). */
async function exercise(db: CatalogDatabase): Promise<void> {
  const products = new ProductRepository(db);
  const attributes = new AttributeRepository(db, products);
  const drafts = new DescriptionDraftRepository(db);
  const { changed } = await products.upsertMany([
    productInput({ sku: `m-${Date.now()}`, title: 'Mug', images: [] }),
  ]);
  const p = (await products.getById(changed[0]!.id))!;
  const colour = {
    attribute: 'colour' as const,
    source: 'pixels' as const,
    value: 'red',
    confidence: 0.9,
    modelId: PIXELS_MODEL_ID,
    details: {},
  };
  expect(await attributes.replace(p.id, p.contentHash, [colour])).toBe(true);
  const draft = await drafts.insert({
    productId: p.id,
    style: 'short',
    text: 'A mug.',
    generator: 'template@1',
    confidence: 1,
    inputs: {},
    contentHash: p.contentHash,
  });
  expect(await drafts.get(draft.id)).toMatchObject({ productId: p.id, status: 'draft' });
  await products.delete([p.id]);
  expect(await attributes.forProduct(p.id)).toEqual([]);
  expect(await drafts.get(draft.id)).toBeNull();
  // Rows for a product that is gone are refused, not orphaned.
  expect(await attributes.replace(p.id, p.contentHash, [colour])).toBe(false);
  await expect(
    drafts.insert({
      productId: p.id,
      style: 'short',
      text: 'A mug.',
      generator: 'template@1',
      confidence: 1,
      inputs: {},
      contentHash: p.contentHash,
    }),
  ).rejects.toMatchObject({ code: 'NOT_FOUND' });
}

describe('attribute and description tables, migrated by the catalog runner', () => {
  let pg: TestDatabase;
  afterEach(() => pg?.drop());

  it('creates both tables on a fresh database', async () => {
    pg = await createTestDatabase('insights_fresh');
    const db = await createCatalogDataSource(
      { kind: 'postgres', url: pg.url, poolSize: 2 },
      { migrations: LIBRARY_MIGRATIONS },
    );
    try {
      expect(await executed(db)).toEqual(
        expect.arrayContaining(['ProductInsights1764700000000', 'DescriptionDrafts1764700000001']),
      );
      await exercise(db);
    } finally {
      await db.close();
    }
  });

  it(
    'creates both tables in embedded PGlite too',
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-insights-pglite-'));
      try {
        const dir = path.join(root, 'data');
        await copyPgliteTemplate(dir);
        const db = await createCatalogDataSource({ kind: 'pglite', dir }, { migrations: LIBRARY_MIGRATIONS });
        try {
          await exercise(db);
        } finally {
          await db.close();
        }
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
    OPEN_CATALOG_TIMEOUT_MS,
  );

  it('carries on from a database that ran the old catalog migration, keeping its rows', async () => {
    pg = await createTestDatabase('insights_existing');
    const url = pg.url;
    const old = await createCatalogDataSource(
      { kind: 'postgres', url, poolSize: 2 },
      { migrations: [LegacyProductInsights1764700000000] },
    );
    const products = new ProductRepository(old);
    const { changed } = await products.upsertMany([productInput({ sku: 'kept', title: 'Kept', images: [] })]);
    const kept = (await products.getById(changed[0]!.id))!;
    const draft = await new DescriptionDraftRepository(old).insert({
      productId: kept.id,
      style: 'seo',
      text: 'Kept.',
      generator: 'template@1',
      confidence: 1,
      inputs: {},
      contentHash: kept.contentHash,
    });
    await old.dataSource.query(
      `INSERT INTO product_extracted_attributes (product_id, attribute, source, value, confidence, model_id, content_hash)
       VALUES ($1, 'colour', 'pixels', 'red', 0.8, $2, $3)`,
      [kept.id, PIXELS_MODEL_ID, kept.contentHash],
    );
    await old.close();

    const db = await createCatalogDataSource(
      { kind: 'postgres', url, poolSize: 2 },
      { migrations: LIBRARY_MIGRATIONS },
    );
    try {
      const names = await executed(db);
      expect(names.filter((n) => n === 'ProductInsights1764700000000')).toHaveLength(1);
      expect(names).toContain('DescriptionDrafts1764700000001');
      expect(await new DescriptionDraftRepository(db).get(draft.id)).toMatchObject({ text: 'Kept.' });
      const stored = await new AttributeRepository(db, new ProductRepository(db)).forProduct(kept.id);
      expect(stored.map((a) => a.value)).toEqual(['red']);
      await exercise(db);
    } finally {
      await db.close();
    }
  });
});
