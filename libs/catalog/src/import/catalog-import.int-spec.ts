import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NotFoundError } from '@vitrine/core';
import {
  OPEN_CATALOG_TIMEOUT_MS,
  openTestCatalog,
  type TestCatalog,
} from '../../../../test/support/catalog-db';
import {
  syntheticCatalogLines,
  writeJsonl,
  type CatalogJsonLine,
} from '../../../../test/support/catalog-fixtures';
import type { UpsertResult } from '../domain/product';
import { CatalogImportService, type ImportLineError } from './catalog-import.service';

// The import is backend-neutral (it only calls ProductRepository, whose suite runs on every backend), so it is
// exercised on PostgreSQL here and on PGlite through the CLI and module tests.
describe('CatalogImportService', () => {
  let cat: TestCatalog;
  let service: CatalogImportService;
  let dir: string;
  beforeAll(async () => {
    cat = await openTestCatalog('postgres');
    service = new CatalogImportService(cat.products);
  }, OPEN_CATALOG_TIMEOUT_MS);
  afterAll(() => cat?.close());
  beforeEach(async () => {
    await cat.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-import-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const good = (i: number, overrides: Partial<CatalogJsonLine> = {}): CatalogJsonLine => ({
    ...[...syntheticCatalogLines(1, { start: i })][0]!,
    ...overrides,
  });
  async function importLines(lines: Array<CatalogJsonLine | string>, options = {}) {
    const file = path.join(dir, 'catalog.jsonl');
    await writeJsonl(file, lines);
    const rejected: ImportLineError[] = [];
    const report = await service.importFile(file, { ...options, onRejected: (e) => rejected.push(e) });
    return { file, report, rejected };
  }

  it('rejects each bad line with its number and reason, and still imports every good line', async () => {
    const { report, rejected } = await importLines([
      good(1),
      '{"sku": "BROKEN", "title": ',
      { title: 'no sku', images: [] } as unknown as CatalogJsonLine,
      good(2),
      good(1, { title: 'same SKU again' }),
      good(3, { price: { amount: -5, currency: 'EUR' } }),
      good(4, { price: { amount: 5, currency: 'ABC' } }),
      good(5, { images: ['../../etc/passwd'] }),
      good(6, { images: ['http://insecure.example.com/a.jpg'] }),
      good(7, { images: ['file:///etc/passwd'] }),
      good(8, { images: ['data:image/png;base64,iVBORw0KGgo='] }),
      good(9, { images: [] }),
    ]);

    expect(rejected.map((e) => e.line)).toEqual([2, 3, 5, 6, 7, 8, 9, 10, 11]);
    const reasonOf = (line: number) => rejected.find((e) => e.line === line)!.reason;
    expect(reasonOf(2)).toMatch(/^malformed JSON/);
    expect(reasonOf(3)).toBe('sku: is required');
    expect(reasonOf(5)).toBe('duplicate SKU "SKU-0000001" (first on line 1)');
    expect(reasonOf(6)).toBe('price.amount: must not be negative');
    expect(reasonOf(7)).toMatch(/price.currency: "ABC" is not an ISO 4217 currency code/);
    expect(reasonOf(8)).toBe(`images[0]: "../../etc/passwd" is outside the catalog file's folder`);
    expect(reasonOf(9)).toMatch(/images\[0\]: only https:\/\/ URLs or paths are accepted, not http:/);
    expect(reasonOf(10)).toMatch(/not file:/);
    expect(reasonOf(11)).toMatch(/not data:/);

    expect(report).toMatchObject({
      lines: 12,
      accepted: 3,
      rejected: 9,
      created: 3,
      updated: 0,
      unchanged: 0,
    });
    expect(report.errors).toEqual(rejected);
    expect(await cat.products.count()).toBe(3);
    expect((await cat.products.getBySku('SKU-0000001'))!.title).not.toBe('same SKU again');
    expect((await cat.products.getBySku('SKU-0000009'))!.images).toEqual([]);
  });

  it('refuses SKUs with lone surrogates or bidi controls, and imports two spellings of one SKU as one', async () => {
    const { report, rejected } = await importLines([
      good(1, { sku: 'LONE-\uD800' }),
      good(2, { sku: 'LONE-\uDC00' }),
      good(3, { sku: '\u202EKCOLB' }),
      good(4, { sku: 'CAF\u00C9-1' }),
      good(5, { sku: 'CAFE\u0301-1' }),
      good(6, { brand: 'Acme\u200F' }),
    ]);
    expect(rejected.map((e) => [e.line, e.reason])).toEqual([
      [1, expect.stringMatching(/^sku: must not contain a lone UTF-16 surrogate \(U\+D800 at index 5/)],
      [2, expect.stringMatching(/^sku: must not contain a lone UTF-16 surrogate \(U\+DC00 at index 5/)],
      [3, 'sku: must not contain bidirectional control characters (U+202E at index 0)'],
      [5, 'duplicate SKU "CAF\u00C9-1" (first on line 4)'],
      [6, 'brand: must not contain bidirectional control characters (U+200F at index 4)'],
    ]);
    expect(report).toMatchObject({ accepted: 1, created: 1 });
    expect(await cat.products.count()).toBe(1);
    expect((await cat.products.getBySku('CAF\u00C9-1'))?.title).toBe(good(4).title);
  });

  it('rejects a 10 MB title without reading it whole, and imports the lines around it', async () => {
    const huge = JSON.stringify(good(2, { title: 't'.repeat(10 * 1024 * 1024) }));
    const heapBefore = process.memoryUsage().heapUsed;
    const { report, rejected } = await importLines([good(1), huge, good(3)]);

    expect(rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^line is 10\.0 MiB, over the 1\.0 MiB limit/) },
    ]);
    expect(report).toMatchObject({ accepted: 2, rejected: 1 });
    expect(await cat.products.count()).toBe(2);
    // The test itself holds the 10 MB string; the import must not have added another copy of it per chunk.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
  });

  it('rejects an over-long title that fits the line limit with the field limit', async () => {
    const { rejected } = await importLines([good(1, { title: 'x'.repeat(600) })]);
    expect(rejected[0]!.reason).toBe('title: must be at most 500 characters (got 600)');
  });

  it('skips blank lines silently, tolerates a BOM and CRLF line ends', async () => {
    const file = path.join(dir, 'bom.jsonl');
    const body = [JSON.stringify(good(1)), '', '   ', JSON.stringify(good(2)), ''].join('\r\n');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const report = await service.importFile(file);
    expect(report).toMatchObject({ lines: 4, blank: 2, accepted: 2, rejected: 0, created: 2 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const lines = [...syntheticCatalogLines(1200)];
    const first = await importLines(lines);
    expect(first.report).toMatchObject({ created: 1200, updated: 0, unchanged: 0 });
    expect(first.report.changedProductIds).toHaveLength(1200);
    const snapshot = await cat.db.dataSource.query('SELECT id, updated_at FROM products ORDER BY id');

    const second = await service.importFile(first.file);

    expect(second).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 1200,
      rejected: 0,
      changedProductIds: [],
    });
    expect(await cat.db.dataSource.query('SELECT id, updated_at FROM products ORDER BY id')).toEqual(
      snapshot,
    );
  });

  it('reports changed products per committed batch and in the result', async () => {
    await importLines([...syntheticCatalogLines(10)]);
    const lines = [...syntheticCatalogLines(12)];
    lines[3] = { ...lines[3]!, title: 'Edited' };
    const batches: UpsertResult[] = [];
    const { report } = await importLines(lines, {
      batchSize: 5,
      onBatch: (r: UpsertResult) => void batches.push(r),
    });

    expect(batches.map((b) => b.created + b.updated + b.unchanged)).toEqual([5, 5, 2]);
    expect(report).toMatchObject({ created: 2, updated: 1, unchanged: 9 });
    const edited = await cat.products.getBySku(lines[3].sku);
    const changedSkus = batches.flatMap((b) => b.changed.map((c) => c.sku));
    expect(changedSkus).toEqual([lines[3].sku, lines[10]!.sku, lines[11]!.sku]);
    expect(report.changedProductIds).toContain(edited!.id);
    expect(report.changedProductIds).toHaveLength(3);
  });

  it('writes nothing in a dry run but counts what would change', async () => {
    const { report } = await importLines([good(1), good(2), 'not json'], { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, created: 2, rejected: 1, changedProductIds: [] });
    expect(await cat.products.count()).toBe(0);
  });

  it('resolves relative image paths against the file folder into absolute file:// URIs', async () => {
    fs.mkdirSync(path.join(dir, 'img', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'img', 'a.png'), 'png');
    fs.writeFileSync(path.join(dir, 'img', 'sub', 'b.png'), 'png');
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside img but inside the folder');
    fs.symlinkSync('/etc/hostname', path.join(dir, 'img', 'escape.png'));

    const { report, rejected } = await importLines([
      good(1, { images: ['img/a.png', './img/sub/../sub/b.png', 'https://cdn.example.com/c.jpg'] }),
      good(2, { images: ['img/missing.png'] }),
      good(3, { images: ['img/escape.png'] }),
      good(4, { images: ['img'] }),
      good(5, { images: [path.join(dir, 'img', 'a.png')] }),
      good(6, { images: ['/etc/hostname'] }),
    ]);

    expect(rejected).toEqual([
      { line: 2, reason: 'images[0]: file "img/missing.png" not found' },
      { line: 3, reason: `images[0]: "img/escape.png" links to a file outside the catalog file's folder` },
      { line: 4, reason: 'images[0]: "img" is not a file' },
      { line: 6, reason: `images[0]: "/etc/hostname" is outside the catalog file's folder` },
    ]);
    expect(report.accepted).toBe(2);
    expect((await cat.products.getBySku('SKU-0000001'))!.images.map((i) => i.uri)).toEqual([
      pathToFileURL(path.join(dir, 'img', 'a.png')).href,
      pathToFileURL(path.join(dir, 'img', 'sub', 'b.png')).href,
      'https://cdn.example.com/c.jpg',
    ]);
    expect((await cat.products.getBySku('SKU-0000005'))!.images[0]!.uri).toBe(
      pathToFileURL(path.join(dir, 'img', 'a.png')).href,
    );
  });

  it('fails with NOT_FOUND for a missing file', async () => {
    await expect(service.importFile(path.join(dir, 'nope.jsonl'))).rejects.toBeInstanceOf(NotFoundError);
  });
});
